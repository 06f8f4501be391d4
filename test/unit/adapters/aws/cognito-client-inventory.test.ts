/** CognitoClientInventory (the reconciler's view of app clients) over a mocked Cognito client. */
import {
  CognitoIdentityProviderClient,
  DeleteUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  ListUserPoolClientsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { CognitoClientInventory } from '../../../../lambda/adapters/aws/cognito-client-inventory';
import { ThrottledError, UnavailableError } from '../../../../lambda/errors';
import { cognitoErrors } from '../../../support/aws-errors';

const cognito = mockClient(CognitoIdentityProviderClient);

const USER_POOL_ID = 'us-east-1_AbC123';
const INSTANCE = '0a1b2c3d';
const LEDGER_ID = 'abcdefgh01234567';

const { notFound, throttled, internalError } = cognitoErrors;

const inventory = () =>
  new CognitoClientInventory(new CognitoIdentityProviderClient({ region: 'us-east-1' }), USER_POOL_ID);

beforeEach(() => {
  cognito.reset();
});

describe('markedClients', () => {
  test('returns each client whose name ends with a marker of the instance, with its ledger id', async () => {
    cognito.on(ListUserPoolClientsCommand).resolves({
      UserPoolClients: [
        { ClientId: 'c1', ClientName: `my app - dev@example.com cw=${INSTANCE}.${LEDGER_ID}` },
      ],
    });

    await expect(inventory().markedClients(INSTANCE)).resolves.toEqual([{ id: 'c1', ledgerId: LEDGER_ID }]);
  });

  test('lists the configured pool, 60 clients a page, and describes none', async () => {
    cognito.on(ListUserPoolClientsCommand).resolves({ UserPoolClients: [] });

    await inventory().markedClients(INSTANCE);

    expect(cognito.commandCalls(ListUserPoolClientsCommand).map(({ args: [c] }) => c.input)).toEqual([
      { UserPoolId: USER_POOL_ID, MaxResults: 60 },
    ]);
    expect(cognito).not.toHaveReceivedCommand(DescribeUserPoolClientCommand);
  });

  test('leaves out clients of another instance, without a marker, or without an id', async () => {
    cognito.on(ListUserPoolClientsCommand).resolves({
      UserPoolClients: [
        { ClientId: 'other', ClientName: `app - d cw=ffffffff.${LEDGER_ID}` },
        { ClientId: 'unmarked', ClientName: 'web app' },
        { ClientId: 'unnamed' },
        { ClientName: `app - d cw=${INSTANCE}.${LEDGER_ID}` },
        { ClientId: 'ours', ClientName: `app - d cw=${INSTANCE}.${LEDGER_ID}` },
      ],
    });

    const marked = await inventory().markedClients(INSTANCE);

    expect(marked.map((client) => client.id)).toEqual(['ours']);
  });

  test('follows the pages of the pool', async () => {
    cognito
      .on(ListUserPoolClientsCommand)
      .resolvesOnce({
        UserPoolClients: [{ ClientId: 'c1', ClientName: `a cw=${INSTANCE}.aaaaaaaaaaaaaaaa` }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        UserPoolClients: [{ ClientId: 'c2', ClientName: `b cw=${INSTANCE}.bbbbbbbbbbbbbbbb` }],
      });

    const marked = await inventory().markedClients(INSTANCE);

    expect(marked.map((client) => client.id)).toEqual(['c1', 'c2']);
    expect(cognito).toHaveReceivedNthSpecificCommandWith(2, ListUserPoolClientsCommand, {
      UserPoolId: USER_POOL_ID,
      MaxResults: 60,
      NextToken: 'page-2',
    });
  });

  test.each([
    ['throttled', throttled, ThrottledError],
    ['failing', internalError, UnavailableError],
  ])('maps a %s listing to the upstream error', async (_case, failure, expected) => {
    cognito.on(ListUserPoolClientsCommand).rejects(failure());

    await expect(inventory().markedClients(INSTANCE)).rejects.toBeInstanceOf(expected);
  });
});

describe('createdAt', () => {
  test('is the creation date Cognito describes, in epoch milliseconds', async () => {
    const created = new Date('2026-11-23T10:00:00Z');
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolves({ UserPoolClient: { ClientId: 'c1', CreationDate: created } });

    await expect(inventory().createdAt('c1')).resolves.toBe(created.getTime());
    expect(cognito).toHaveReceivedCommandWith(DescribeUserPoolClientCommand, {
      UserPoolId: USER_POOL_ID,
      ClientId: 'c1',
    });
  });

  test('is undefined when Cognito does not say', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: { ClientId: 'c1' } });

    await expect(inventory().createdAt('c1')).resolves.toBeUndefined();
  });

  test('is undefined for a client that is gone', async () => {
    cognito.on(DescribeUserPoolClientCommand).rejects(notFound());

    await expect(inventory().createdAt('c1')).resolves.toBeUndefined();
  });

  test('maps a failed read to the upstream error', async () => {
    cognito.on(DescribeUserPoolClientCommand).rejects(throttled());

    await expect(inventory().createdAt('c1')).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('deleteClient', () => {
  test('deletes the client from the configured pool', async () => {
    cognito.on(DeleteUserPoolClientCommand).resolves({});

    await expect(inventory().deleteClient('c1')).resolves.toBe('deleted');
    expect(cognito).toHaveReceivedCommandWith(DeleteUserPoolClientCommand, {
      UserPoolId: USER_POOL_ID,
      ClientId: 'c1',
    });
  });

  test('answers absent for a client already gone', async () => {
    cognito.on(DeleteUserPoolClientCommand).rejects(notFound());

    await expect(inventory().deleteClient('c1')).resolves.toBe('absent');
  });
});
