import { MethodNotAllowedError, NotFoundError } from '../../../lambda/errors';
import { Router } from '../../../lambda/http/router';

function router(): Router<string> {
  return new Router<string>([
    { method: 'GET', path: '/v1/health', handler: 'health' },
    { method: 'POST', path: '/v1/createCredentials', handler: 'create' },
    { method: 'GET', path: '/v1/things', handler: 'list things' },
    { method: 'POST', path: '/v1/things', handler: 'add thing' },
  ]);
}

test('resolves a known method and path to its handler', () => {
  expect(router().resolve('POST', '/v1/createCredentials').handler).toBe('create');
});

test('tells apart two methods on the same path', () => {
  expect(router().resolve('GET', '/v1/things').handler).toBe('list things');
});

test('ignores a trailing slash', () => {
  expect(router().resolve('GET', '/v1/health/').handler).toBe('health');
});

test('ignores several trailing slashes', () => {
  expect(router().resolve('GET', '/v1/health//').handler).toBe('health');
});

test('matches the method case-insensitively', () => {
  expect(router().resolve('post', '/v1/createCredentials').handler).toBe('create');
});

test('answers an unknown path with 404 ROUTE_NOT_FOUND', () => {
  expect(() => router().resolve('GET', '/v1/unknown')).toThrow(
    expect.objectContaining({ status: 404, code: 'ROUTE_NOT_FOUND' }),
  );
});

test('answers the root path with a NotFoundError', () => {
  expect(() => router().resolve('GET', '/')).toThrow(NotFoundError);
});

test('answers a known path with another method with 405 METHOD_NOT_ALLOWED', () => {
  expect(() => router().resolve('GET', '/v1/createCredentials')).toThrow(
    expect.objectContaining({ status: 405, code: 'METHOD_NOT_ALLOWED' }),
  );
});

test('lists the one allowed method in the Allow header', () => {
  expect(() => router().resolve('DELETE', '/v1/health')).toThrow(
    expect.objectContaining({ headers: { Allow: 'GET' } }),
  );
});

test('lists every allowed method in the Allow header', () => {
  expect(() => router().resolve('DELETE', '/v1/things')).toThrow(
    expect.objectContaining({ headers: { Allow: 'GET, POST' } }),
  );
});

test('checks the method after removing a trailing slash', () => {
  expect(() => router().resolve('PUT', '/v1/things/')).toThrow(MethodNotAllowedError);
});
