/**
 * The webhook as a function of API Gateway proxy events. It parses, authenticates, validates,
 * calls the credential service (or, for validateCredentials, the credential validator) and maps
 * the result or error to HTTP; it knows nothing of AWS services. Lambda (handler.ts) and the local
 * server (dev-server/server.ts) are adapters in front of it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { credentialIdOf } from './credentials/credential-id';
import { expiryField } from './credentials/lifetime';
import type {
  CredentialOperations,
  CredentialValidator,
  InvalidReason,
  PresentedCredential,
  Validation,
} from './credentials/ports';
import { budgetFor, withDeadline } from './deadline';
import { BadRequestError, WebhookError } from './errors';
import type { BasicAuthenticator } from './http/auth';
import { DEFAULT_MAX_BODY_BYTES, readJsonObject } from './http/body';
import { header } from './http/headers';
import { emptyResponse, errorResponse, jsonResponse } from './http/responses';
import { type Route, Router } from './http/router';
import { validate } from './http/validate';
import {
  CreateCredentialsRequestSchema,
  RevokeCredentialsRequestSchema,
  UpdateCredentialsRequestSchema,
  type ValidateCredentialsRequest,
  ValidateCredentialsRequestSchema,
  type ValidateCredentialsResponse,
} from './schemas';

/** What validateCredentials needs; without it the endpoint does not exist (404, as any unknown path). */
export interface ValidationDependencies {
  /** The validator's callers' Basic credentials: the Portal's do not open this endpoint. */
  readonly authenticator: BasicAuthenticator;
  readonly validator: CredentialValidator;
}

export interface WebhookDependencies {
  /** The Portal's Basic credentials, for every endpoint but validateCredentials. */
  readonly authenticator: BasicAuthenticator;
  readonly credentials: CredentialOperations;
  readonly validation?: ValidationDependencies | undefined;
  readonly logger: Logger;
  /** CloudWatch metrics (EMF) in Lambda; absent locally. */
  readonly metrics?: Metrics | undefined;
  readonly maxBodyBytes?: number;
  /**
   * Most time for a request's AWS calls. In Lambda the budget follows the invocation's remaining
   * time (budgetFor); this caps it, and is the budget where the runtime does not say (npm start).
   */
  readonly awsBudgetMs?: number;
}

export type WebhookEvent = Pick<
  APIGatewayProxyEvent,
  'httpMethod' | 'path' | 'headers' | 'body' | 'isBase64Encoded'
> & {
  readonly requestContext?: {
    readonly requestId?: string;
    readonly identity?: { readonly sourceIp?: string };
  };
};

/** What the runtime says of the invocation (Lambda's context). */
export interface Invocation {
  /** Milliseconds before the runtime stops the invocation (context.getRemainingTimeInMillis()). */
  readonly remainingMs: number;
}

export type Webhook = (event: WebhookEvent, invocation?: Invocation) => Promise<APIGatewayProxyResult>;

type Operation =
  | 'health'
  | 'createCredentials'
  | 'updateCredentials'
  | 'revokeCredentials'
  | 'validateCredentials';

/**
 * What the request log says about the credential: identifiers and a validation's verdict only,
 * never a key, secret or token.
 */
interface LogFields {
  appSlug?: string | undefined;
  credentialId?: string | undefined;
  valid?: boolean | undefined;
  reason?: InvalidReason | undefined;
}

interface Endpoint {
  readonly operation: Operation;
  /** Whose Basic credentials open the endpoint: the Portal's unless it says otherwise. */
  readonly authenticator?: BasicAuthenticator;
  /** Runs the operation on the request body (a JSON object where there is one), noting log fields. */
  readonly run: (body: Record<string, unknown>, log: LogFields) => Promise<APIGatewayProxyResult>;
  readonly hasBody: boolean;
}

const CORRELATION_ID = /^[\w.:-]{1,128}$/;

/** Where the runtime gives no remaining time (npm start): what a 25 s Lambda timeout allows. */
export const DEFAULT_AWS_BUDGET_MS = 18_000;

export function createWebhook(deps: WebhookDependencies): Webhook {
  const { authenticator, credentials, logger } = deps;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxBudgetMs = deps.awsBudgetMs ?? Number.POSITIVE_INFINITY;

  const routes: Route<Endpoint>[] = [
    {
      method: 'GET',
      path: '/v1/health',
      handler: { operation: 'health', hasBody: false, run: async () => emptyResponse() },
    },
    {
      method: 'POST',
      path: '/v1/createCredentials',
      handler: {
        operation: 'createCredentials',
        hasBody: true,
        run: async (body, log) => {
          const request = validate(CreateCredentialsRequestSchema, body);
          log.appSlug = request.appSlug;
          const credential = await credentials.create(request);
          log.credentialId = credentialIdOf(credential);
          return jsonResponse(200, credential);
        },
      },
    },
    {
      method: 'POST',
      path: '/v1/updateCredentials',
      handler: {
        operation: 'updateCredentials',
        hasBody: true,
        run: async (body, log) => {
          const request = validate(UpdateCredentialsRequestSchema, body);
          Object.assign(log, { appSlug: request.appSlug, credentialId: credentialIdOf(request) });
          await credentials.update(request);
          return emptyResponse();
        },
      },
    },
    {
      method: 'POST',
      path: '/v1/revokeCredentials',
      handler: {
        operation: 'revokeCredentials',
        hasBody: true,
        run: async (body, log) => {
          const request = validate(RevokeCredentialsRequestSchema, body);
          log.credentialId = credentialIdOf(request);
          await credentials.revoke(request);
          return emptyResponse();
        },
      },
    },
  ];
  const validation = deps.validation;
  if (validation !== undefined) {
    routes.push({
      method: 'POST',
      path: '/v1/validateCredentials',
      handler: {
        operation: 'validateCredentials',
        hasBody: true,
        authenticator: validation.authenticator,
        run: async (body, log) => {
          const request = validate(ValidateCredentialsRequestSchema, body);
          const verdict = await validation.validator.validate(presentedOf(request));
          Object.assign(log, verdictLogFields(verdict));
          return jsonResponse(200, validationBody(verdict));
        },
      },
    });
  }
  const router = new Router<Endpoint>(routes);

  return async (event, invocation) => {
    const started = Date.now();
    const budgetMs =
      invocation === undefined
        ? (deps.awsBudgetMs ?? DEFAULT_AWS_BUDGET_MS)
        : Math.min(maxBudgetMs, budgetFor(invocation.remainingMs));
    const endsAt = invocation === undefined ? undefined : started + invocation.remainingMs;
    const presented = header(event, 'x-correlation-id');
    const correlationId =
      presented !== undefined && CORRELATION_ID.test(presented)
        ? presented
        : (event.requestContext?.requestId ?? randomUUID());
    let operation: Operation | undefined;
    const fields: LogFields = {};
    let response: APIGatewayProxyResult;
    try {
      const endpoint = router.resolve(event.httpMethod, event.path).handler;
      operation = endpoint.operation;
      response = await withDeadline(
        budgetMs,
        async () => {
          await (endpoint.authenticator ?? authenticator).verify(header(event, 'authorization'));
          const body = endpoint.hasBody ? readJsonObject(event, maxBodyBytes) : {};
          return endpoint.run(body, fields);
        },
        Date.now,
        undefined,
        endsAt,
      );
    } catch (error) {
      response = errorResponse(error);
      logFailure(logger, error, response.statusCode, correlationId, event.requestContext?.identity?.sourceIp);
    }
    response.headers = { ...response.headers, 'X-Correlation-Id': correlationId };
    logger.info('request', {
      correlationId,
      operation: operation ?? 'none',
      method: event.httpMethod,
      status: response.statusCode,
      ...fields,
      durationMs: Date.now() - started,
    });
    if (deps.metrics !== undefined) recordMetrics(deps.metrics, operation, response.statusCode, fields);
    return response;
  };
}

const SUCCESS_METRIC: Partial<Record<Operation, string>> = {
  createCredentials: 'CredentialIssued',
  updateCredentials: 'CredentialUpdated',
  revokeCredentials: 'CredentialRevoked',
};

/**
 * One count per outcome; the alarms watch OperationFailed (5xx) and UpstreamThrottled (429/503).
 * A validation answers 200 either way: its verdict is what is counted.
 */
function recordMetrics(
  metrics: Metrics,
  operation: Operation | undefined,
  status: number,
  fields: LogFields,
): void {
  const success =
    operation === 'validateCredentials'
      ? fields.valid === true
        ? 'CredentialValid'
        : 'CredentialInvalid'
      : operation === undefined
        ? undefined
        : SUCCESS_METRIC[operation];
  const names = [
    status < 300 ? success : undefined,
    status >= 500 ? 'OperationFailed' : undefined,
    status === 429 || status === 503 ? 'UpstreamThrottled' : undefined,
    status === 401 ? 'AuthenticationFailed' : undefined,
  ].filter((name) => name !== undefined);
  // Publishing nothing makes Powertools print a warning line: a health check counts nothing.
  if (names.length === 0) return;
  for (const name of names) metrics.addMetric(name, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}

/** The credential the schema admitted: exactly one of the two is present. */
function presentedOf(request: ValidateCredentialsRequest): PresentedCredential {
  if (request.apiKey !== undefined) return { apiKey: request.apiKey };
  if (request.accessToken !== undefined) return { accessToken: request.accessToken };
  throw new BadRequestError('INVALID_REQUEST', 'The request body is not valid.', [
    { field: '(body)', message: 'exactly one of apiKey or accessToken is required' },
  ]);
}

const VALID_MESSAGE = 'Token is valid';

/** For a person reading the answer; `reason` is for code. */
const INVALID_MESSAGES: Record<InvalidReason, string> = {
  UNKNOWN: 'Token is not valid: this deployment did not issue it',
  REVOKED: 'Token is not valid: it was revoked',
  EXPIRED: 'Token is not valid: it has expired',
  MALFORMED: 'Token is not valid: it is not well-formed',
  FORGED: "Token is not valid: it was not signed by this deployment's token issuer",
};

function validationBody(verdict: Validation): ValidateCredentialsResponse {
  if (!verdict.valid) {
    return { valid: false, message: INVALID_MESSAGES[verdict.reason], reason: verdict.reason };
  }
  const appSlug = verdict.appSlug === undefined ? {} : { appSlug: verdict.appSlug };
  if (verdict.credentialType === 'API_KEY') {
    return {
      valid: true,
      message: VALID_MESSAGE,
      credentialType: 'API_KEY',
      apiKeyId: verdict.apiKeyId,
      ...appSlug,
      ...expiryField(verdict.expiresAt),
    };
  }
  return {
    valid: true,
    message: VALID_MESSAGE,
    credentialType: 'CLIENT_CREDENTIALS',
    clientId: verdict.clientId,
    ...appSlug,
    scopes: [...verdict.scopes],
    ...expiryField(verdict.expiresAt),
  };
}

/** The verdict and the credential's ids for the request log: never the presented value. */
function verdictLogFields(verdict: Validation): LogFields {
  if (!verdict.valid) return { valid: false, reason: verdict.reason };
  return {
    valid: true,
    appSlug: verdict.appSlug,
    credentialId: verdict.credentialType === 'API_KEY' ? verdict.apiKeyId : verdict.clientId,
  };
}

/** Logs why a request failed: the error's kind and code, never the request or its credentials. */
function logFailure(
  logger: Logger,
  error: unknown,
  status: number,
  correlationId: string,
  sourceIp: string | undefined,
): void {
  // The correlation id goes in each line, not in the logger's keys: the local server serves
  // requests concurrently through one logger.
  if (!(error instanceof WebhookError)) {
    logger.error('unexpected error', {
      correlationId,
      error: error instanceof Error ? error : String(error),
    });
  } else if (status >= 500) {
    logger.warn('upstream failure', { correlationId, code: error.code, cause: describeCause(error.cause) });
  } else if (status === 401) {
    logger.warn('authentication failed', { correlationId, sourceIp: sourceIp ?? 'unknown' });
  }
}

function describeCause(cause: unknown): string | undefined {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return cause === undefined ? undefined : String(cause);
}
