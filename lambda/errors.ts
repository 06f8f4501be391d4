/**
 * The webhook's error hierarchy. Each error carries the HTTP status and the stable `code` the
 * Portal (or an operator) sees; `message` is written for a person and never contains a secret or
 * an upstream error's internals. One mapper (http/responses.ts) turns them into responses.
 *
 * As in Powertools, every class sets `name` to its own (a literal, since minified bundles rename
 * classes) and takes its cause at construction (ES2022 `ErrorOptions`), so logs show both.
 */

/** One field problem of a request body, reported in `details`. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export abstract class WebhookError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Response headers the status needs (`Allow`, `WWW-Authenticate`, `Retry-After`). */
  readonly headers: Readonly<Record<string, string>> = {};
  readonly details: readonly FieldProblem[] = [];

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WebhookError';
  }
}

export class BadRequestError extends WebhookError {
  readonly status = 400;
  override readonly details: readonly FieldProblem[];
  constructor(
    readonly code: 'MALFORMED_JSON' | 'INVALID_REQUEST',
    message: string,
    details: readonly FieldProblem[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BadRequestError';
    this.details = details;
  }
}

export class UnauthorizedError extends WebhookError {
  readonly status = 401;
  readonly code = 'UNAUTHORIZED';
  override readonly headers = { 'WWW-Authenticate': 'Basic realm="credential-webhook", charset="UTF-8"' };
  constructor(options?: ErrorOptions) {
    super('Valid Basic credentials are required.', options);
    this.name = 'UnauthorizedError';
  }
}

export class NotFoundError extends WebhookError {
  readonly status = 404;
  constructor(
    readonly code: 'ROUTE_NOT_FOUND' | 'CREDENTIAL_NOT_FOUND',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'NotFoundError';
  }
}

export class MethodNotAllowedError extends WebhookError {
  readonly status = 405;
  readonly code = 'METHOD_NOT_ALLOWED';
  override readonly headers: Readonly<Record<string, string>>;
  constructor(allowed: readonly string[], options?: ErrorOptions) {
    super(`This endpoint accepts ${allowed.join(', ')} only.`, options);
    this.name = 'MethodNotAllowedError';
    this.headers = { Allow: allowed.join(', ') };
  }
}

/** The same create is in flight: a retry in a moment gets its credential. */
export class ConflictError extends WebhookError {
  readonly status = 409;
  readonly code = 'REQUEST_IN_PROGRESS';
  override readonly headers = { 'Retry-After': '2' };
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends WebhookError {
  readonly status = 413;
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(limitBytes: number, options?: ErrorOptions) {
    super(`The request body must not exceed ${limitBytes} bytes.`, options);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends WebhookError {
  readonly status = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor(options?: ErrorOptions) {
    super('The request body must be JSON (Content-Type: application/json).', options);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** A well-formed request that this deployment refuses (allow-list, AWS limits, mixed kinds). */
export class UnprocessableError extends WebhookError {
  readonly status = 422;
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UnprocessableError';
  }
}

/** AWS throttled us and the SDK's retries did not get through. */
export class ThrottledError extends WebhookError {
  readonly status = 429;
  readonly code = 'UPSTREAM_THROTTLED';
  override readonly headers: Readonly<Record<string, string>>;
  constructor(retryAfterSeconds: number, options?: ErrorOptions) {
    super('AWS is throttling requests; retry later.', options);
    this.name = 'ThrottledError';
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

/** AWS is unavailable or did not answer in time; retrying later is expected to work. */
export class UnavailableError extends WebhookError {
  readonly status = 503;
  readonly code = 'UPSTREAM_UNAVAILABLE';
  override readonly headers: Readonly<Record<string, string>>;
  constructor(message = 'AWS is unavailable; retry later.', retryAfterSeconds = 5, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnavailableError';
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

/** AWS refused or failed a call in a way a retry will not fix by itself. */
export class UpstreamError extends WebhookError {
  readonly status = 502;
  readonly code = 'UPSTREAM_ERROR';
  constructor(message = 'AWS refused the operation.', options?: ErrorOptions) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}
