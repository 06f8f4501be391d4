/** How AWS SDK failures map to the webhook errors the caller sees. */
import type { TooManyRequestsException } from '@aws-sdk/client-api-gateway';
import { awsErrorName, upstream, upstreamError } from '../../../../lambda/adapters/aws/errors';
import { ThrottledError, UnavailableError, UpstreamError } from '../../../../lambda/errors';
import {
  apiGatewayErrors,
  networkError,
  secretsManagerErrors,
  timeoutError,
  unmodelledError,
} from '../../../support/aws-errors';

/** What AWS messages can carry: account ids and ARNs, which must never reach a response. */
const AWS_MESSAGE = 'User: arn:aws:iam::123456789012:role/webhook is not authorized on apigateway';

/** An SDK exception with only a name and a status, as the SDK builds one for an unmodelled error. */
const sdkError = (name: string, httpStatusCode?: number) =>
  unmodelledError(name, { message: AWS_MESSAGE, ...(httpStatusCode !== undefined && { httpStatusCode }) });

const throttled = () => apiGatewayErrors.throttled(AWS_MESSAGE);

/** A throttling answer that carries a Retry-After header, as the SDK leaves it on `$response`. */
function throttledWithRetryAfter(retryAfter: string): TooManyRequestsException {
  const error = throttled();
  error.$response = { statusCode: 429, headers: { 'retry-after': retryAfter } };
  return error;
}

describe('upstreamError', () => {
  test.each([
    ['TooManyRequestsException (API Gateway)', throttled()],
    ['ThrottlingException', sdkError('ThrottlingException', 400)],
    ['an unknown error answered with HTTP 429', sdkError('SlowDown', 429)],
  ])('maps %s to 429 ThrottledError', (_case, error) => {
    const mapped = upstreamError(error);

    expect(mapped).toBeInstanceOf(ThrottledError);
    expect(mapped.status).toBe(429);
  });

  test('takes Retry-After from the response header', () => {
    expect(upstreamError(throttledWithRetryAfter('7')).headers).toEqual({ 'Retry-After': '7' });
  });

  test('retries after 1 second when the throttling answer has no Retry-After header', () => {
    expect(upstreamError(throttled()).headers).toEqual({ 'Retry-After': '1' });
  });

  test.each([
    ['zero', '0'],
    ['negative', '-5'],
    ['over five minutes', '301'],
    ['not a number', 'soon'],
    ['an HTTP date', 'Wed, 21 Oct 2026 07:28:00 GMT'],
  ])('retries after 1 second when the Retry-After header is %s', (_case, header) => {
    expect(upstreamError(throttledWithRetryAfter(header)).headers).toEqual({ 'Retry-After': '1' });
  });

  test.each([
    ['ServiceUnavailableException (API Gateway)', apiGatewayErrors.unavailable(AWS_MESSAGE)],
    ['ServiceUnavailable', sdkError('ServiceUnavailable')],
    ['InternalErrorException', sdkError('InternalErrorException')],
    ['InternalFailure', sdkError('InternalFailure')],
    ['InternalServerError', sdkError('InternalServerError')],
    ['RequestTimeout', sdkError('RequestTimeout')],
    ['RequestTimeoutException', sdkError('RequestTimeoutException')],
    ['a TimeoutError of the HTTP handler', timeoutError('Connection timed out after 5000 ms')],
    ['ECONNRESET', networkError('ECONNRESET')],
    ['ECONNREFUSED', networkError('ECONNREFUSED')],
    ['ETIMEDOUT', networkError('ETIMEDOUT')],
    ['ENOTFOUND', networkError('ENOTFOUND')],
    ['an unknown error answered with HTTP 500', sdkError('Weird', 500)],
    ['an unknown error answered with HTTP 504', sdkError('Weird', 504)],
  ])('maps %s to 503 UnavailableError', (_case, error) => {
    const mapped = upstreamError(error);

    expect(mapped).toBeInstanceOf(UnavailableError);
    expect(mapped.status).toBe(503);
  });

  test('maps Secrets Manager InternalServiceError (HTTP 500) to 503', () => {
    const error = secretsManagerErrors.internalError(AWS_MESSAGE);

    expect(upstreamError(error)).toBeInstanceOf(UnavailableError);
  });

  test.each([
    ['AccessDeniedException', sdkError('AccessDeniedException', 403)],
    ['BadRequestException (API Gateway)', apiGatewayErrors.badRequest(AWS_MESSAGE)],
    ['an SDK error without a status', sdkError('SomethingElse')],
    ['a plain Error', new Error(AWS_MESSAGE)],
    ['an Error with an unknown code', networkError('EWHATEVER')],
    ['a string', AWS_MESSAGE],
    ['undefined', undefined],
    ['null', null],
  ])('maps %s to 502 UpstreamError', (_case, error) => {
    const mapped = upstreamError(error);

    expect(mapped).toBeInstanceOf(UpstreamError);
    expect(mapped.status).toBe(502);
  });

  test.each([
    ['throttling', throttled()],
    ['unavailable', sdkError('InternalFailure', 500)],
    ['other', sdkError('AccessDeniedException', 403)],
    ['a string', AWS_MESSAGE],
  ])('never repeats the AWS message (%s)', (_case, error) => {
    const { message } = upstreamError(error);

    expect(message).not.toContain('123456789012');
    expect(message).not.toContain('arn:aws');
  });

  test.each([
    ['an SDK error', throttled()],
    ['a string', AWS_MESSAGE],
  ])('keeps the original failure as the cause (%s)', (_case, error) => {
    expect(upstreamError(error).cause).toBe(error);
  });
});

describe('awsErrorName', () => {
  test('returns the exception name of an SDK error', () => {
    expect(awsErrorName(throttled())).toBe('TooManyRequestsException');
  });

  test.each([
    ['a string', 'NotFoundException'],
    ['null', null],
    ['an object whose name is not a string', { name: 404 }],
  ])('returns undefined for %s', (_case, value) => {
    expect(awsErrorName(value)).toBeUndefined();
  });
});

describe('upstream', () => {
  test('resolves with the value of a successful call', async () => {
    await expect(upstream(Promise.resolve({ id: 'k1' }))).resolves.toEqual({ id: 'k1' });
  });

  test('rejects with the mapped error of a failed call', async () => {
    await expect(upstream(Promise.reject(throttled()))).rejects.toBeInstanceOf(ThrottledError);
  });

  test('keeps the error of the failed call as the cause', async () => {
    const failure = sdkError('AccessDeniedException', 403);

    await expect(upstream(Promise.reject(failure))).rejects.toMatchObject({ cause: failure });
  });
});

test('a server fault without a status or a known name is 503, not 502', () => {
  const error = unmodelledError('SomethingNew', { fault: 'server', message: AWS_MESSAGE });

  expect(upstreamError(error)).toBeInstanceOf(UnavailableError);
});
