/**
 * A stand-in for the Cognito domain's `/oauth2/token` endpoint under `npm start`, so the
 * `tokenUrl` in a local client credential answers: it exchanges a client id and secret for an
 * access token with the client's scopes (RFC 6749 §4.4). The tokens are JWTs shaped like
 * Cognito's, signed by an in-memory key whose set is served at LOCAL_JWKS_PATH, so that
 * validateCredentials checks them as it checks a pool's tokens in AWS. It is not part of the
 * webhook and is never deployed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { LocalTokenKeys } from '../adapters/local/local-token-keys';
import type { ClientIssuer } from '../credentials/ports';
import { parseBasicAuthorization } from '../http/auth';
import { header } from '../http/headers';
import type { Webhook, WebhookEvent } from '../webhook';

export const LOCAL_TOKEN_PATH = '/oauth2/token';
/** Where a Cognito pool publishes its keys, relative to its issuer. */
export const LOCAL_JWKS_PATH = '/.well-known/jwks.json';

const sameSecret = (a: string, b: string): boolean => {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
};

function oauthResponse(statusCode: number, body: object): APIGatewayProxyResult {
  return {
    statusCode,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
    },
    body: JSON.stringify(body),
  };
}

/** The public key set: nothing secret, and cacheable as a pool's is. */
function jwksResponse(event: WebhookEvent, keys: LocalTokenKeys): APIGatewayProxyResult {
  if (event.httpMethod !== 'GET') {
    return { statusCode: 405, headers: { Allow: 'GET' }, body: '' };
  }
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'max-age=3600' },
    body: JSON.stringify(keys.jwks),
  };
}

async function issueToken(
  event: WebhookEvent,
  clients: ClientIssuer,
  keys: LocalTokenKeys,
  accessTokenValiditySeconds: number,
): Promise<APIGatewayProxyResult> {
  if (event.httpMethod !== 'POST') return oauthResponse(405, { error: 'invalid_request' });
  const form = new URLSearchParams(event.body ?? '');
  if (form.get('grant_type') !== 'client_credentials')
    return oauthResponse(400, { error: 'unsupported_grant_type' });
  const basic = parseBasicAuthorization(header(event, 'authorization'));
  const clientId = basic?.username ?? form.get('client_id') ?? '';
  const secret = basic?.password ?? form.get('client_secret') ?? '';
  const client = clientId === '' ? undefined : await clients.findClient(clientId);
  if (client === undefined || !sameSecret(secret, client.clientSecret)) {
    return oauthResponse(401, { error: 'invalid_client' });
  }
  const asked = (form.get('scope') ?? '').split(' ').filter((scope) => scope !== '');
  if (asked.some((scope) => !client.scopes.includes(scope)))
    return oauthResponse(400, { error: 'invalid_scope' });
  const scopes = asked.length > 0 ? asked : client.scopes;
  return oauthResponse(200, {
    access_token: keys.sign({ clientId, scopes, expiresInSeconds: accessTokenValiditySeconds }),
    token_type: 'Bearer',
    expires_in: accessTokenValiditySeconds,
    scope: scopes.join(' '),
  });
}

/**
 * The webhook, with the local token endpoint answering at LOCAL_TOKEN_PATH and the key set of
 * its tokens at LOCAL_JWKS_PATH.
 */
export function withLocalTokenEndpoint(
  webhook: Webhook,
  clients: ClientIssuer,
  keys: LocalTokenKeys,
  accessTokenValiditySeconds: number,
): Webhook {
  return async (event) => {
    if (event.path === LOCAL_TOKEN_PATH) return issueToken(event, clients, keys, accessTokenValiditySeconds);
    if (event.path === LOCAL_JWKS_PATH) return jwksResponse(event, keys);
    return webhook(event);
  };
}
