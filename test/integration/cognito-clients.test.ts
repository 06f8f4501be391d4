/**
 * ClientCredentialsService over CognitoClientIssuer and a real CognitoIdentityProviderClient, with its
 * ledger in a DynamoDB table of this file's own (DynamoDbLedger), against moto: a user pool of this
 * file's own with a resource server and its scopes. Every outcome is read back from moto with
 * separate DescribeUserPoolClient calls and table scans.
 *
 * moto accepts what AWS refuses (unknown scopes, a missing secret) and merges on update, so these
 * tests only check what the code sends and what moto keeps; that an update carries every other
 * setting is proven by the exact UpdateUserPoolClient input in the unit tests.
 */
import { CognitoClientIssuer } from '../../lambda/adapters/aws/cognito-client-issuer';
import { DynamoDbLedger } from '../../lambda/adapters/aws/dynamodb-ledger';
import type { ClientCredentialsConfig } from '../../lambda/config';
import type { AppDescription } from '../../lambda/credentials/app';
import { ClientCredentialsService } from '../../lambda/credentials/client-credentials-service';
import { NotFoundError } from '../../lambda/errors';
import {
  clientNamePattern,
  createLedgerTable,
  createPoolClient,
  createUserPoolWithScopes,
  instanceOfTable,
  ledgerItemsOfApp,
  motoTestClients,
  readClient,
  type ScopedUserPool,
  unique,
} from './aws';

const DEVELOPER = 'dev@example.com';
const TOKEN_URL = 'https://auth.example.com/oauth2/token';

const { cognito, dynamoDb } = motoTestClients();
let pool: ScopedUserPool;
let service: ClientCredentialsService;
let tableName: string;
let instance: string;
/** The pool's scopes: `read` and `write` are the default, `admin` is billing1's own. */
let read: string;
let write: string;
let admin: string;

beforeAll(async () => {
  pool = await createUserPoolWithScopes(cognito, ['read', 'write', 'admin']);
  [read = '', write = '', admin = ''] = pool.scopes;
  const config: ClientCredentialsConfig = {
    userPoolId: pool.userPoolId,
    tokenUrl: TOKEN_URL,
    defaultScopes: [write, read],
    scopesByApi: new Map([['billing1', [admin]]]),
    accessTokenValidityMinutes: 30,
  };
  tableName = await createLedgerTable(dynamoDb);
  instance = instanceOfTable(tableName);
  service = new ClientCredentialsService(
    new CognitoClientIssuer(cognito, pool.userPoolId),
    new DynamoDbLedger(dynamoDb, tableName, instance),
    config,
  );
});

const apis = (...ids: string[]): AppDescription['apis'] => ids.map((id) => ({ id }));

/** An app with a unique name, listing `apiIds`. */
function app(...apiIds: string[]): AppDescription {
  return { appName: unique('app'), appSlug: unique('slug'), developer: DEVELOPER, apis: apis(...apiIds) };
}

const sorted = (items: readonly string[]): string[] => [...items].sort();

/** The ledger entries recorded for the app: state, client id and scopes. */
async function recorded(request: AppDescription) {
  const items = await ledgerItemsOfApp(dynamoDb, tableName, request.appName);
  return items.map(({ state, credentialId, grants }) => ({ state, credentialId, grants }));
}

/** The ledger id the client's name ends with ("… cw=<instance>.<ledgerId>"). */
const ledgerIdInName = (name: string | undefined) => name?.split('.').pop();

describe('ClientCredentialsService on Cognito (moto)', () => {
  describe('create', () => {
    test('creates a client whose generated secret is the one returned', async () => {
      const credential = await service.create(app('orders1'));

      const client = await readClient(cognito, pool.userPoolId, credential.clientId);
      expect(credential.clientSecret).not.toBe('');
      expect(client.ClientSecret).toBe(credential.clientSecret);
    });

    test('allows the client only the client_credentials flow, as an OAuth client of the pool', async () => {
      const credential = await service.create(app('orders1'));

      const client = await readClient(cognito, pool.userPoolId, credential.clientId);
      expect(client).toMatchObject({
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthFlowsUserPoolClient: true,
      });
    });

    test("grants the listed APIs' scopes and returns the same in customCredentials", async () => {
      const credential = await service.create(app('orders1', 'billing1'));

      const client = await readClient(cognito, pool.userPoolId, credential.clientId);
      expect(sorted(client.AllowedOAuthScopes ?? [])).toEqual(sorted([read, write, admin]));
      expect(sorted(credential.customCredentials.scopes)).toEqual(sorted([read, write, admin]));
    });

    test('names the client after the app and developer, ending with the marker of its ledger entry', async () => {
      const request = app('orders1');

      const credential = await service.create(request);

      const client = await readClient(cognito, pool.userPoolId, credential.clientId);
      expect(client.ClientName).toMatch(clientNamePattern(request.appName, DEVELOPER, instance));
      const [entry] = await ledgerItemsOfApp(dynamoDb, tableName, request.appName);
      expect(ledgerIdInName(client.ClientName)).toBe(entry?.ledgerId);
    });

    test('records the client in the ledger as issued, with its scopes', async () => {
      const request = app('orders1');

      const { clientId } = await service.create(request);

      expect(await recorded(request)).toEqual([
        { state: 'issued', credentialId: clientId, grants: sorted([read, write]) },
      ]);
    });

    test('gives access tokens the configured validity in minutes', async () => {
      const credential = await service.create(app('orders1'));

      const client = await readClient(cognito, pool.userPoolId, credential.clientId);
      expect(client).toMatchObject({
        AccessTokenValidity: 30,
        TokenValidityUnits: { AccessToken: 'minutes' },
      });
    });
  });

  describe('update', () => {
    test('renames the client, keeping its marker, replaces its scopes, and records both', async () => {
      const request = app('orders1');
      const { clientId } = await service.create(request);
      const before = await readClient(cognito, pool.userPoolId, clientId);
      const renamed = unique('renamed');

      await service.update(clientId, { appName: renamed, developer: DEVELOPER, apis: apis('billing1') });

      const client = await readClient(cognito, pool.userPoolId, clientId);
      expect(client.ClientName).toMatch(clientNamePattern(renamed, DEVELOPER, instance));
      expect(ledgerIdInName(client.ClientName)).toBe(ledgerIdInName(before.ClientName));
      expect(client.AllowedOAuthScopes).toEqual([admin]);
      const [entry] = await ledgerItemsOfApp(dynamoDb, tableName, renamed);
      expect(entry).toMatchObject({ state: 'issued', credentialId: clientId, grants: [admin] });
    });

    test('leaves the settings create gave the client as they were', async () => {
      const { clientId } = await service.create(app('orders1'));
      const { ClientName, AllowedOAuthScopes, LastModifiedDate, ...before } = await readClient(
        cognito,
        pool.userPoolId,
        clientId,
      );

      await service.update(clientId, {
        appName: unique('renamed'),
        developer: DEVELOPER,
        apis: apis('billing1'),
      });

      const after = await readClient(cognito, pool.userPoolId, clientId);
      expect(after).toMatchObject(before);
    });

    test('keeps the scopes when the request lists no apis', async () => {
      const { clientId } = await service.create(app('orders1'));

      await service.update(clientId, { appName: unique('renamed'), developer: DEVELOPER });

      const client = await readClient(cognito, pool.userPoolId, clientId);
      expect(sorted(client.AllowedOAuthScopes ?? [])).toEqual(sorted([read, write]));
    });

    test('answers a client that does not exist with 404 CREDENTIAL_NOT_FOUND', async () => {
      const unknownClientId = unique('c').slice(0, 26);

      const error = await service
        .update(unknownClientId, { apis: apis('billing1') })
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    });

    test('answers a client-credentials client of the pool the webhook did not issue with 404, leaving it untouched', async () => {
      const clientId = await createPoolClient(cognito, pool, 'partner integration');
      const before = await readClient(cognito, pool.userPoolId, clientId);

      const error = await service
        .update(clientId, { appName: 'taken over', developer: DEVELOPER, apis: apis('billing1') })
        .catch((caught: unknown) => caught);

      expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
      expect(await readClient(cognito, pool.userPoolId, clientId)).toEqual(before);
    });
  });

  describe('revoke', () => {
    test('records the revoke in the ledger and deletes the client', async () => {
      const request = app('orders1');
      const { clientId } = await service.create(request);

      await service.revoke(clientId);

      await expect(readClient(cognito, pool.userPoolId, clientId)).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      expect(await recorded(request)).toMatchObject([{ state: 'revoked', credentialId: clientId }]);
    });

    test('answers a client-credentials client of the pool the webhook did not issue with 404, leaving it in place', async () => {
      const clientId = await createPoolClient(cognito, pool, 'partner integration');

      const error = await service.revoke(clientId).catch((caught: unknown) => caught);

      expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
      await expect(readClient(cognito, pool.userPoolId, clientId)).resolves.toMatchObject({
        ClientId: clientId,
      });
    });

    test('resolves for a client already revoked', async () => {
      const { clientId } = await service.create(app('orders1'));
      await service.revoke(clientId);

      await expect(service.revoke(clientId)).resolves.toBeUndefined();
    });

    test('leaves the other clients of the pool in place', async () => {
      const kept = await service.create(app('orders1'));
      const revoked = await service.create(app('orders1'));

      await service.revoke(revoked.clientId);

      await expect(readClient(cognito, pool.userPoolId, kept.clientId)).resolves.toMatchObject({
        ClientId: kept.clientId,
      });
    });
  });

  describe('recover', () => {
    test('returns the credential create returned for a client that still exists', async () => {
      const created = await service.create(app('orders1'));

      const recovered = await service.recover(created.clientId);

      expect(recovered).toMatchObject({ clientId: created.clientId, clientSecret: created.clientSecret });
    });

    test('returns undefined for a revoked client, and for a client the webhook did not issue', async () => {
      const { clientId } = await service.create(app('orders1'));
      await service.revoke(clientId);
      const foreign = await createPoolClient(cognito, pool, 'partner integration');

      await expect(service.recover(clientId)).resolves.toBeUndefined();
      await expect(service.recover(foreign)).resolves.toBeUndefined();
    });
  });
});
