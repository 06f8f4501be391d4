/**
 * A stand-in for the Cognito domain's `/oauth2/token` endpoint under `npm start`, so the
 * `tokenUrl` in a local client credential answers: it exchanges a client id and secret for an
 * opaque bearer token with the client's scopes (RFC 6749 §4.4). It is not part of the webhook and
 * is never deployed; the tokens are random strings no API checks.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ClientIssuer } from '../credentials/ports';
import { parseBasicAuthorization } from '../http/auth';
import { header } from '../http/headers';
import type { Webhook, WebhookEvent } from '../webhook';

export const LOCAL_TOKEN_PATH = '/oauth2/token';

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

async function issueToken(
  event: WebhookEvent,
  clients: ClientIssuer,
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
  return oauthResponse(200, {
    access_token: `local.${randomBytes(24).toString('base64url')}`,
    token_type: 'Bearer',
    expires_in: accessTokenValiditySeconds,
    scope: (asked.length > 0 ? asked : client.scopes).join(' '),
  });
}

/** The webhook, with the local token endpoint answering at LOCAL_TOKEN_PATH. */
export function withLocalTokenEndpoint(
  webhook: Webhook,
  clients: ClientIssuer,
  accessTokenValiditySeconds: number,
): Webhook {
  return (event) =>
    event.path === LOCAL_TOKEN_PATH ? issueToken(event, clients, accessTokenValiditySeconds) : webhook(event);
}
