/**
 * The webhook as a function of API Gateway proxy events. It parses, authenticates, validates,
 * calls the credential service and maps the result or error to HTTP; it knows nothing of AWS
 * services. Lambda (handler.ts) and the local server (local/server.ts) are adapters in front of it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { CredentialService } from './credentials/credential-service';
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
  readonly credentials: CredentialService;
  readonly logger: Logger;
  readonly maxBodyBytes?: number;
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

export type Webhook = (event: WebhookEvent) => Promise<APIGatewayProxyResult>;

type Operation = 'health' | 'createCredentials' | 'updateCredentials' | 'revokeCredentials';

interface Endpoint {
  readonly operation: Operation;
  /** Runs the operation on the request body (already read as a JSON object where there is one). */
  readonly run: (body: Record<string, unknown>) => Promise<APIGatewayProxyResult>;
  readonly hasBody: boolean;
}

const CORRELATION_ID = /^[\w.:-]{1,128}$/;

export function createWebhook(deps: WebhookDependencies): Webhook {
  const { authenticator, credentials, logger } = deps;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

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
        run: async (body) =>
          jsonResponse(200, await credentials.create(validate(CreateCredentialsRequestSchema, body))),
      },
    },
    {
      method: 'POST',
      path: '/v1/updateCredentials',
      handler: {
        operation: 'updateCredentials',
        hasBody: true,
        run: async (body) => {
          await credentials.update(validate(UpdateCredentialsRequestSchema, body));
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
        run: async (body) => {
          await credentials.revoke(validate(RevokeCredentialsRequestSchema, body));
          return emptyResponse();
        },
      },
    },
  ]);

  return async (event) => {
    const started = Date.now();
    const presented = header(event, 'x-correlation-id');
    const correlationId =
      presented !== undefined && CORRELATION_ID.test(presented)
        ? presented
        : (event.requestContext?.requestId ?? randomUUID());
    logger.appendKeys({ correlationId });
    let operation: Operation | undefined;
    let response: APIGatewayProxyResult;
    try {
      const endpoint = router.resolve(event.httpMethod, event.path).handler;
      operation = endpoint.operation;
      await authenticator.verify(header(event, 'authorization'));
      const body = endpoint.hasBody ? readJsonObject(event, maxBodyBytes) : {};
      response = await endpoint.run(body);
    } catch (error) {
      response = errorResponse(error);
      logFailure(logger, error, response.statusCode, event.requestContext?.identity?.sourceIp);
    }
    response.headers = { ...response.headers, 'X-Correlation-Id': correlationId };
    logger.info('request', {
      operation: operation ?? 'none',
      method: event.httpMethod,
      status: response.statusCode,
      durationMs: Date.now() - started,
    });
    logger.removeKeys(['correlationId']);
    return response;
  };
}

/** Logs why a request failed: the error's kind and code, never the request or its credentials. */
function logFailure(logger: Logger, error: unknown, status: number, sourceIp: string | undefined): void {
  if (!(error instanceof WebhookError)) {
    logger.error('unexpected error', error instanceof Error ? error : String(error));
  } else if (status >= 500) {
    logger.warn('upstream failure', { code: error.code, cause: describeCause(error.cause) });
  } else if (status === 401) {
    logger.warn('authentication failed', { sourceIp: sourceIp ?? 'unknown' });
  }
}

function describeCause(cause: unknown): string | undefined {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return cause === undefined ? undefined : String(cause);
}
