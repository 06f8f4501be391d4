/**
 * The reconciler's view of AWS against moto: ApiGatewayKeyInventory (GetApiKeys, GetUsagePlans,
 * GetUsagePlanKeys, DeleteApiKey, DeleteUsagePlanKey) and CognitoClientInventory
 * (ListUserPoolClients, DescribeUserPoolClient, DeleteUserPoolClient). Each test marks resources
 * with an instance of its own, since every key of the tier lands in moto's one account; outcomes are
 * read back from moto with separate SDK calls.
 *
 * moto 5.2.5 answers GetApiKeys in one page whatever the limit, so the key listing's paging is not
 * exercised here (unit-tested); ListUserPoolClients does page, and is.
 */
import { randomBytes } from 'node:crypto';
import { GetUsagePlansCommand } from '@aws-sdk/client-api-gateway';
import type { DescribeUserPoolClientCommandOutput } from '@aws-sdk/client-cognito-identity-provider';
import { ApiGatewayKeyInventory } from '../../lambda/adapters/aws/api-gateway-key-inventory';
import { CognitoClientInventory } from '../../lambda/adapters/aws/cognito-client-inventory';
import {
  bindKeyToPlan,
  createPoolClient,
  createTaggedKey,
  createUsagePlans,
  createUserPoolWithScopes,
  keyIdsOfPlan,
  motoCognito,
  motoTestClients,
  randomLedgerId,
  readClient,
  readKey,
} from './aws';

const { apiGateway, cognito } = motoTestClients();

/** An instance (8 hex digits) no other test marks anything with. */
const newInstance = () => randomBytes(4).toString('hex');

const sorted = (items: readonly string[]): string[] => [...items].sort();

describe('ApiGatewayKeyInventory on API Gateway (moto)', () => {
  const inventory = new ApiGatewayKeyInventory(apiGateway);

  test('markedKeys lists the keys carrying a marker of the instance, with their ledger ids and creation times', async () => {
    const instance = newInstance();
    const [first, second] = [randomLedgerId(), randomLedgerId()];
    const ours = [
      await createTaggedKey(apiGateway, { marker: `${instance}.${first}` }),
      await createTaggedKey(apiGateway, { marker: `${instance}.${second}` }),
    ];
    // Another deployment's, an unmarked one, and markers that are not well formed.
    await createTaggedKey(apiGateway, { marker: `${newInstance()}.${randomLedgerId()}` });
    await createTaggedKey(apiGateway);
    await createTaggedKey(apiGateway, { marker: `${instance}.short` });
    await createTaggedKey(apiGateway, { marker: `${instance}.${first}.extra` });

    const marked = await inventory.markedKeys(instance);

    const created = await Promise.all(
      ours.map(async (id) => (await readKey(apiGateway, id)).createdDate?.getTime()),
    );
    expect(marked.sort((a, b) => a.ledgerId.localeCompare(b.ledgerId))).toEqual(
      [
        { id: ours[0], ledgerId: first, createdAt: created[0] },
        { id: ours[1], ledgerId: second, createdAt: created[1] },
      ].sort((a, b) => a.ledgerId.localeCompare(b.ledgerId)),
    );
    expect(created.every((time) => typeof time === 'number')).toBe(true);
  });

  test('markedKeys lists nothing for an instance that marked nothing', async () => {
    await expect(inventory.markedKeys(newInstance())).resolves.toEqual([]);
  });

  test('bindings lists the keys bound to each of the given plans', async () => {
    const [first = '', second = '', unlisted = ''] = await createUsagePlans(apiGateway, 3);
    const [both, one] = [await createTaggedKey(apiGateway), await createTaggedKey(apiGateway)];
    await bindKeyToPlan(apiGateway, first, both);
    await bindKeyToPlan(apiGateway, second, both);
    await bindKeyToPlan(apiGateway, first, one);
    await bindKeyToPlan(apiGateway, unlisted, one);

    const bound = await inventory.bindings([first, second]);

    expect([...bound.keys()]).toEqual([first, second]);
    expect(sorted(bound.get(first) ?? [])).toEqual(sorted([both, one]));
    expect(bound.get(second)).toEqual([both]);
  });

  test("bindings of 'all' covers every usage plan of the account", async () => {
    const [first = '', empty = ''] = await createUsagePlans(apiGateway, 2);
    const key = await createTaggedKey(apiGateway);
    await bindKeyToPlan(apiGateway, first, key);
    const listed = await apiGateway.send(new GetUsagePlansCommand({ limit: 500 }));

    const bound = await inventory.bindings('all');

    for (const plan of listed.items ?? []) expect(bound.has(plan.id ?? '')).toBe(true);
    expect(bound.get(first)).toEqual([key]);
    expect(bound.get(empty)).toEqual([]);
  });

  test('deleteKey deletes the key, and reports a key already gone as absent', async () => {
    const key = await createTaggedKey(apiGateway);

    await expect(inventory.deleteKey(key)).resolves.toBe('deleted');

    await expect(readKey(apiGateway, key)).rejects.toMatchObject({ name: 'NotFoundException' });
    await expect(inventory.deleteKey(key)).resolves.toBe('absent');
  });

  test('unbindKey removes the one binding and leaves the key in its other plans', async () => {
    const [dropped = '', kept = ''] = await createUsagePlans(apiGateway, 2);
    const key = await createTaggedKey(apiGateway);
    await bindKeyToPlan(apiGateway, dropped, key);
    await bindKeyToPlan(apiGateway, kept, key);

    await inventory.unbindKey(dropped, key);

    expect(await keyIdsOfPlan(apiGateway, dropped)).toEqual([]);
    expect(await keyIdsOfPlan(apiGateway, kept)).toEqual([key]);
  });
});

describe('CognitoClientInventory on Cognito (moto)', () => {
  test('markedClients lists the clients whose name ends with a marker of the instance, on every page', async () => {
    const pool = await createUserPoolWithScopes(cognito, ['read']);
    const instance = newInstance();
    // More unmarked clients than a page of ListUserPoolClients holds (60), then the marked ones.
    for (let index = 0; index < 61; index++) await createPoolClient(cognito, pool, `plain ${index}`);
    const [first, second] = [randomLedgerId(), randomLedgerId()];
    const ours = [
      await createPoolClient(cognito, pool, `app - dev@example.com cw=${instance}.${first}`),
      await createPoolClient(cognito, pool, `cw=${instance}.${second}`),
    ];
    await createPoolClient(cognito, pool, `app - dev cw=${newInstance()}.${randomLedgerId()}`);
    await createPoolClient(cognito, pool, `app - dev cw=${instance}.${first} (copy)`);
    await createPoolClient(cognito, pool, `app - devcw=${instance}.${second}`);

    const marked = await new CognitoClientInventory(cognito, pool.userPoolId).markedClients(instance);

    expect(marked.sort((a, b) => a.ledgerId.localeCompare(b.ledgerId))).toEqual(
      [
        { id: ours[0], ledgerId: first },
        { id: ours[1], ledgerId: second },
      ].sort((a, b) => a.ledgerId.localeCompare(b.ledgerId)),
    );
  }, 30_000);

  test('createdAt is the CreationDate Cognito describes the client with', async () => {
    const pool = await createUserPoolWithScopes(cognito, ['read']);
    const clientId = await createPoolClient(cognito, pool, 'app');
    // moto 5.2.5 describes no CreationDate; Cognito always does. The answer gets one here.
    const creation = new Date(Date.UTC(2026, 10, 1, 12, 0, 0));
    const describing = motoCognito();
    describing.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const output = result.output as Partial<DescribeUserPoolClientCommandOutput>;
        if (output.UserPoolClient !== undefined) output.UserPoolClient.CreationDate ??= creation;
        return result;
      },
      { step: 'initialize', name: 'describeCreationDate' },
    );

    const createdAt = await new CognitoClientInventory(describing, pool.userPoolId).createdAt(clientId);
    describing.destroy();

    expect(createdAt).toBe(creation.getTime());
  });

  test('createdAt is undefined when the pool does not say (as moto 5.2.5) and when the client is gone', async () => {
    const pool = await createUserPoolWithScopes(cognito, ['read']);
    const inventory = new CognitoClientInventory(cognito, pool.userPoolId);
    const clientId = await createPoolClient(cognito, pool, 'app');
    expect((await readClient(cognito, pool.userPoolId, clientId)).CreationDate).toBeUndefined();

    await expect(inventory.createdAt(clientId)).resolves.toBeUndefined();
    await inventory.deleteClient(clientId);
    await expect(inventory.createdAt(clientId)).resolves.toBeUndefined();
  });

  test('deleteClient deletes the client, and reports a client already gone as absent', async () => {
    const pool = await createUserPoolWithScopes(cognito, ['read']);
    const inventory = new CognitoClientInventory(cognito, pool.userPoolId);
    const [deleted, kept] = [
      await createPoolClient(cognito, pool, 'deleted'),
      await createPoolClient(cognito, pool, 'kept'),
    ];

    await expect(inventory.deleteClient(deleted)).resolves.toBe('deleted');

    await expect(readClient(cognito, pool.userPoolId, deleted)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(readClient(cognito, pool.userPoolId, kept)).resolves.toMatchObject({ ClientId: kept });
    await expect(inventory.deleteClient(deleted)).resolves.toBe('absent');
  });
});
