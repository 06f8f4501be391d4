/**
 * The webhook as a function of API Gateway proxy events. It parses, authenticates, validates,
 * calls the credential service and maps the result or error to HTTP; it knows nothing of AWS
 * services. Lambda (handler.ts) and the local server (dev-server/server.ts) are adapters in front of it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { credentialIdOf } from './credentials/credential-id';
import type { CredentialOperations } from './credentials/ports';
import { budgetFor, withDeadline } from './deadline';
import { WebhookError } from './errors';
import type { BasicAuthenticator } from './http/auth';
import { DEFAULT_MAX_BODY_BYTES, readJsonObject } from './http/body';
import { header } from './http/headers';
import { emptyResponse, errorResponse, jsonResponse } from './http/responses';
import { Router } from './http/router';
import { validate } from './http/validate';
import {
  CreateCredentialsRequestSchema,
  RevokeCredentialsRequestSchema,
  UpdateCredentialsRequestSchema,
} from './schemas';

export interface WebhookDependencies {
  readonly authenticator: BasicAuthenticator;
  readonly credentials: CredentialOperations;
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

type Operation = 'health' | 'createCredentials' | 'updateCredentials' | 'revokeCredentials';

/** What the request log says about the credential: identifiers only, never a key or secret. */
interface LogFields {
  appSlug?: string | undefined;
  credentialId?: string | undefined;
}

interface Endpoint {
  readonly operation: Operation;
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

  const router = new Router<Endpoint>([
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
  ]);

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
          await authenticator.verify(header(event, 'authorization'));
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
    if (deps.metrics !== undefined) recordMetrics(deps.metrics, operation, response.statusCode);
    return response;
  };
}

const SUCCESS_METRIC: Partial<Record<Operation, string>> = {
  createCredentials: 'CredentialIssued',
  updateCredentials: 'CredentialUpdated',
  revokeCredentials: 'CredentialRevoked',
};

/** One count per outcome; the alarms watch OperationFailed (5xx) and UpstreamThrottled (429/503). */
function recordMetrics(metrics: Metrics, operation: Operation | undefined, status: number): void {
  const success = operation === undefined ? undefined : SUCCESS_METRIC[operation];
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
