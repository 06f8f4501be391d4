/**
 * Maps an AWS SDK failure to the webhook error the caller sees. AWS messages stay in the logs:
 * they can name accounts, ARNs and internals, so the response only says what kind of failure it was.
 */
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { ThrottledError, UnavailableError, UpstreamError, type WebhookError } from '../../errors';

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $fault?: unknown;
  readonly $response?: { readonly headers?: Readonly<Record<string, string | undefined>> };
}

const THROTTLING = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  // DynamoDB's throttling of item reads and writes (HTTP 400).
  'ProvisionedThroughputExceededException',
]);
const UNAVAILABLE = new Set([
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'InternalErrorException',
  'InternalFailure',
  'InternalServerError',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** The SDK exception name of an error (e.g. "NotFoundException"), or undefined for non-SDK errors. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name } = error as SdkErrorShape;
  return typeof name === 'string' ? name : undefined;
}

function retryAfterSeconds(error: SdkErrorShape): number {
  const header = error.$response?.headers?.['retry-after'];
  const seconds = header === undefined ? Number.NaN : Number.parseInt(header, 10);
  return Number.isFinite(seconds) && seconds > 0 && seconds <= 300 ? seconds : 1;
}

/** An AWS failure that the adapter has no specific meaning for. */
export function upstreamError(error: unknown): WebhookError {
  // The cause is kept for the logs, never put in a response.
  return classify(error, { cause: error });
}

function classify(error: unknown, options?: ErrorOptions): WebhookError {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = awsErrorName(error) ?? '';
  const status = shape.$metadata?.httpStatusCode;
  if (THROTTLING.has(name) || status === 429) return new ThrottledError(retryAfterSeconds(shape), options);
  if (UNAVAILABLE.has(name) || (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code))) {
    return new UnavailableError(undefined, undefined, options);
  }
  if (shape.$fault === 'server' || (status !== undefined && status >= 500)) {
    return new UnavailableError(undefined, undefined, options);
  }
  return new UpstreamError(undefined, options);
}

/** A cause that says what happened, for the logs; given to the mapped error's constructor. */
export function causeSaying(what: string, error: unknown): Error {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new Error(`${what}: ${detail}`);
}

/** Awaits an SDK call, turning any failure into the upstream error the caller sees. */
export async function upstream<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw upstreamError(error);
  }
}

/**
 * For the commands named, an attempt is retried only when AWS throttled it (throttled requests were
 * not executed). For a create, a timeout or 5xx may hide a success and a retry would make a second
 * resource, so the error is wrapped and the SDK's retry strategy sees a client error.
 */
export function retryOnlyThrottling(
  commands: ReadonlySet<string>,
): FinalizeRequestMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (!commands.has(context.commandName ?? '') || classify(error) instanceof ThrottledError) throw error;
      throw new NotRetriedError(error);
    }
  };
}

/**
 * An SDK failure kept from the retry strategy. The original is not its `cause`: the strategy
 * looks through causes for transient errors.
 */
export class NotRetriedError extends Error {
  constructor(readonly original: unknown) {
    super('not retried');
    this.name = 'NotRetriedError';
  }
}

/** The SDK failure behind a NotRetriedError, or the error itself. */
export function unwrapNotRetried(error: unknown): unknown {
  return error instanceof NotRetriedError ? error.original : error;
}

/** A failure after which AWS may or may not have done what was asked (timeout, network, 5xx). */
export function isUncertain(error: unknown): boolean {
  return classify(error) instanceof UnavailableError;
}
