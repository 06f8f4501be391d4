/**
 * Every error class names itself (logs and `instanceof`-free checks read `name`; a minified bundle
 * renames classes, so the name must be a literal) and takes its cause at construction.
 */
import { causeSaying, NotRetriedError, upstreamError } from '../../lambda/adapters/aws/errors';
import { ConfigError } from '../../lambda/config';
import { AppSlugConflictError } from '../../lambda/credentials/idempotency';
import {
  BindingRefusedError,
  ClientRefusedError,
  LedgerConflictError,
  OutcomeUnknownError,
} from '../../lambda/credentials/ports';
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
} from '../../lambda/errors';
import { apiGatewayErrors } from '../support/aws-errors';

const cause = new Error('the reason');
// A cause given to Error's constructor is not enumerable; one assigned afterwards would be.
const CONSTRUCTED = false;

// Each row: the class's name, and an instance built with `cause` where the constructor takes one.
const ERRORS: readonly [string, Error][] = [
  ['BadRequestError', new BadRequestError('INVALID_REQUEST', 'bad', [], { cause })],
  ['UnauthorizedError', new UnauthorizedError({ cause })],
  ['NotFoundError', new NotFoundError('ROUTE_NOT_FOUND', 'no route', { cause })],
  ['MethodNotAllowedError', new MethodNotAllowedError(['POST'], { cause })],
  ['ConflictError', new ConflictError('in progress', { cause })],
  ['PayloadTooLargeError', new PayloadTooLargeError(10, { cause })],
  ['UnsupportedMediaTypeError', new UnsupportedMediaTypeError({ cause })],
  ['UnprocessableError', new UnprocessableError('X', 'no', { cause })],
  ['ThrottledError', new ThrottledError(1, { cause })],
  ['UnavailableError', new UnavailableError(undefined, undefined, { cause })],
  ['UpstreamError', new UpstreamError(undefined, { cause })],
  ['AppSlugConflictError', new AppSlugConflictError({ cause })],
  ['BindingRefusedError', new BindingRefusedError('plan1', 'conflict', { cause })],
  ['ClientRefusedError', new ClientRefusedError('scope-not-found', { cause })],
  ['LedgerConflictError', new LedgerConflictError('abcdefgh01234567', { cause })],
  ['OutcomeUnknownError', new OutcomeUnknownError(cause)],
  ['ConfigError', new ConfigError('PORT', 'is bad', { cause })],
];

test.each(ERRORS)('%s names itself and keeps the cause it was built with', (name, error) => {
  expect(error.name).toBe(name);
  expect(error.cause).toBe(cause);
  expect(Object.getOwnPropertyDescriptor(error, 'cause')?.enumerable).toBe(CONSTRUCTED);
});

test('NotRetriedError names itself and keeps the original out of `cause` (the retry strategy reads it)', () => {
  const error = new NotRetriedError(cause);

  expect(error.name).toBe('NotRetriedError');
  expect(error.original).toBe(cause);
  expect(error.cause).toBeUndefined();
});

test('an error built without a cause has none', () => {
  expect(new UpstreamError().cause).toBeUndefined();
  expect(Object.hasOwn(new UpstreamError(), 'cause')).toBe(false);
});

describe('upstreamError', () => {
  test('sets the SDK failure as the cause at construction', () => {
    const sdkFailure = apiGatewayErrors.accessDenied('boom');
    const mapped = upstreamError(sdkFailure);

    expect(mapped).toBeInstanceOf(UpstreamError);
    expect(mapped.cause).toBe(sdkFailure);
    expect(Object.getOwnPropertyDescriptor(mapped, 'cause')?.enumerable).toBe(CONSTRUCTED);
  });

  test('keeps a thrown non-Error as the cause too', () => {
    const mapped = upstreamError({ name: 'ThrottlingException' });

    expect(mapped).toBeInstanceOf(ThrottledError);
    expect(mapped.cause).toEqual({ name: 'ThrottlingException' });
  });
});

test('causeSaying says what happened and what AWS said', () => {
  const said = causeSaying(
    'CreateApiKey answered late',
    Object.assign(new Error('exists'), { name: 'Conflict' }),
  );

  expect(said.message).toBe('CreateApiKey answered late: Conflict: exists');
});
