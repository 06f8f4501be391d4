/** Response builders and the one place errors become HTTP responses. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { WebhookError } from '../errors';
import type { ErrorResponse } from '../schemas';

/** Sent on every response: credentials must never sit in a cache, and the body is JSON only. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function emptyResponse(statusCode = 204): APIGatewayProxyResult {
  return { statusCode, headers: { ...COMMON_HEADERS }, body: '' };
}

/**
 * The response for a thrown value: a WebhookError says its own status, code and message; anything
 * else is a generic 500 (its details belong in the logs, not in the response).
 */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof WebhookError) {
    const body: ErrorResponse = { message: error.message, code: error.code, details: [...error.details] };
    return jsonResponse(error.status, body, error.headers);
  }
  const body: ErrorResponse = {
    message: 'An unexpected error occurred.',
    code: 'INTERNAL_ERROR',
    details: [],
  };
  return jsonResponse(500, body);
}
