/** A small factory for API Gateway proxy events, instead of large JSON fixtures. */
import type { WebhookEvent } from '../../lambda/webhook';

export const USERNAME = 'portal';
export const PASSWORD = 'correct horse battery staple';

export function basic(username = USERNAME, password = PASSWORD): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export function event(overrides: Partial<WebhookEvent> & { json?: unknown } = {}): WebhookEvent {
  const { json, ...rest } = overrides;
  return {
    httpMethod: 'POST',
    path: '/v1/createCredentials',
    headers: { Authorization: basic(), 'Content-Type': 'application/json' },
    body: json === undefined ? null : JSON.stringify(json),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', identity: { sourceIp: '203.0.113.7' } },
    ...rest,
  };
}

export const createRequest = (overrides: Record<string, unknown> = {}) => ({
  appName: 'my new aws app',
  appSlug: '590d83b5c05f',
  developer: 'email@mycompany.com',
  apis: [{ id: '5aba4csvd4', usagePlans: [{ id: '1el57v' }] }],
  ...overrides,
});
