import { LedgerConflictError } from '../../../lambda/credentials/ports';
import {
  BadRequestError,
  ConflictError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  ThrottledError,
  UnauthorizedError,
  UnavailableError,
  UnprocessableError,
  UnsupportedMediaTypeError,
  UpstreamError,
  type WebhookError,
} from '../../../lambda/errors';
import { emptyResponse, errorResponse, jsonResponse } from '../../../lambda/http/responses';
import { ErrorResponseSchema } from '../../../lambda/schemas';

const SECURITY_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

describe('jsonResponse', () => {
  test('serializes the body as JSON with its status', () => {
    const response = jsonResponse(200, { apiKeyId: 'k1' });

    expect(response).toMatchObject({ statusCode: 200, body: '{"apiKeyId":"k1"}' });
  });

  test('says the body is UTF-8 JSON', () => {
    expect(jsonResponse(200, {}).headers).toMatchObject({
      'Content-Type': 'application/json; charset=utf-8',
    });
  });

  test('forbids caching and content sniffing', () => {
    expect(jsonResponse(200, {}).headers).toMatchObject(SECURITY_HEADERS);
  });

  test('adds the given headers to the common ones', () => {
    expect(jsonResponse(429, {}, { 'Retry-After': '3' }).headers).toMatchObject({
      ...SECURITY_HEADERS,
      'Retry-After': '3',
    });
  });
});

describe('emptyResponse', () => {
  test('is a 204 with an empty body by default', () => {
    expect(emptyResponse()).toMatchObject({ statusCode: 204, body: '' });
  });

  test('forbids caching and content sniffing', () => {
    expect(emptyResponse().headers).toEqual(SECURITY_HEADERS);
  });
});

describe('errorResponse for WebhookErrors', () => {
  const problems = [{ field: 'apis.0.id', message: 'must match pattern' }];

  test.each<[string, WebhookError, number, string, Record<string, string>]>([
    [
      'BadRequestError (malformed)',
      new BadRequestError('MALFORMED_JSON', 'Not JSON.'),
      400,
      'MALFORMED_JSON',
      {},
    ],
    ['BadRequestError (invalid)', new BadRequestError('INVALID_REQUEST', 'Bad.'), 400, 'INVALID_REQUEST', {}],
    [
      'UnauthorizedError',
      new UnauthorizedError(),
      401,
      'UNAUTHORIZED',
      { 'WWW-Authenticate': 'Basic realm="credential-webhook", charset="UTF-8"' },
    ],
    ['NotFoundError (route)', new NotFoundError('ROUTE_NOT_FOUND', 'No route.'), 404, 'ROUTE_NOT_FOUND', {}],
    [
      'NotFoundError (credential)',
      new NotFoundError('CREDENTIAL_NOT_FOUND', 'No key.'),
      404,
      'CREDENTIAL_NOT_FOUND',
      {},
    ],
    [
      'MethodNotAllowedError',
      new MethodNotAllowedError(['GET', 'POST']),
      405,
      'METHOD_NOT_ALLOWED',
      { Allow: 'GET, POST' },
    ],
    ['ConflictError', new ConflictError('In progress.'), 409, 'REQUEST_IN_PROGRESS', { 'Retry-After': '2' }],
    [
      'LedgerConflictError',
      new LedgerConflictError('ledger0000000001'),
      409,
      'CREDENTIAL_CHANGED',
      { 'Retry-After': '1' },
    ],
    ['PayloadTooLargeError', new PayloadTooLargeError(1024), 413, 'PAYLOAD_TOO_LARGE', {}],
    ['UnsupportedMediaTypeError', new UnsupportedMediaTypeError(), 415, 'UNSUPPORTED_MEDIA_TYPE', {}],
    [
      'UnprocessableError',
      new UnprocessableError('USAGE_PLAN_NOT_ALLOWED', 'Refused.'),
      422,
      'USAGE_PLAN_NOT_ALLOWED',
      {},
    ],
    ['ThrottledError', new ThrottledError(7), 429, 'UPSTREAM_THROTTLED', { 'Retry-After': '7' }],
    [
      'UnavailableError (default)',
      new UnavailableError(),
      503,
      'UPSTREAM_UNAVAILABLE',
      { 'Retry-After': '5' },
    ],
    [
      'UnavailableError (custom)',
      new UnavailableError('Timed out.', 11),
      503,
      'UPSTREAM_UNAVAILABLE',
      { 'Retry-After': '11' },
    ],
    ['UpstreamError', new UpstreamError(), 502, 'UPSTREAM_ERROR', {}],
  ])('%s becomes its status, code, message and headers', (_name, error, status, code, headers) => {
    const response = errorResponse(error);

    expect(response.statusCode).toBe(status);
    expect(response.headers).toEqual({
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      ...headers,
    });
    expect(JSON.parse(response.body)).toEqual({ message: error.message, code, details: [] });
  });

  test('lists the field problems of a BadRequestError in details', () => {
    const response = errorResponse(new BadRequestError('INVALID_REQUEST', 'Bad.', problems));

    expect(JSON.parse(response.body)).toEqual({
      message: 'Bad.',
      code: 'INVALID_REQUEST',
      details: problems,
    });
  });

  test('keeps the cause of a WebhookError out of the body', () => {
    const error = new UpstreamError(undefined, {
      cause: new Error('AccessDenied for arn:aws:iam::123456789012:role/webhook'),
    });

    expect(errorResponse(error).body).not.toContain('123456789012');
  });

  test('produces a body that matches the error schema', () => {
    const response = errorResponse(new BadRequestError('INVALID_REQUEST', 'Bad.', problems));

    expect(ErrorResponseSchema.safeParse(JSON.parse(response.body)).success).toBe(true);
  });
});

describe('errorResponse for anything else', () => {
  const GENERIC_500 = { message: 'An unexpected error occurred.', code: 'INTERNAL_ERROR', details: [] };

  test.each<[string, unknown]>([
    ['an Error', new Error('connection to secret-host failed: hunter2')],
    ['a TypeError', new TypeError('Cannot read properties of undefined (reading hunter2)')],
    ['a thrown string', 'hunter2'],
    ['a thrown undefined', undefined],
    ['a thrown null', null],
    ['a thrown object', { message: 'hunter2', status: 400 }],
    [
      'an object shaped like a WebhookError',
      { status: 418, code: 'TEAPOT', message: 'hunter2', headers: {} },
    ],
  ])('%s becomes a generic 500 INTERNAL_ERROR', (_kind, thrown) => {
    const response = errorResponse(thrown);

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual(GENERIC_500);
  });

  test.each<[string, unknown]>([
    ['an Error', new Error('password hunter2 rejected')],
    ['a thrown string', 'password hunter2 rejected'],
    ['a thrown object', { message: 'password hunter2 rejected' }],
  ])('%s does not leak its message into the 500 body', (_kind, thrown) => {
    expect(errorResponse(thrown).body).not.toContain('hunter2');
  });

  test('a 500 forbids caching too', () => {
    expect(errorResponse(new Error('boom')).headers).toMatchObject(SECURITY_HEADERS);
  });
});
