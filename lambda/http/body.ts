/**
 * Reads a request body as a JSON object: content type, size, encoding and syntax are checked here,
 * so a bad body becomes a 4xx before any schema or service sees it.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';
import { header } from './headers';

/** Far above any real request (a few hundred bytes), far below Lambda's 6 MB payload. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** JSON is UTF-8 (RFC 8259): a charset parameter, if any, must say so. */
const JSON_MEDIA_TYPE = /^application\/json[ \t]*(;[ \t]*charset="?utf-8"?[ \t]*)?$/i;

export function readJsonObject(
  event: Pick<APIGatewayProxyEvent, 'headers' | 'body' | 'isBase64Encoded'>,
  maxBytes = DEFAULT_MAX_BODY_BYTES,
): Record<string, unknown> {
  // No Content-Type at all is read as JSON: the Portal's exact headers are not published, and the
  // syntax check below still refuses a body that is not JSON. A type that says otherwise is 415.
  const contentType = header(event, 'content-type');
  if (contentType !== undefined && !JSON_MEDIA_TYPE.test(contentType.trim()))
    throw new UnsupportedMediaTypeError();

  const raw = event.body ?? '';
  // A base64 body is 4/3 of its bytes: refuse by length before decoding anything large.
  const encodedLimit = event.isBase64Encoded ? Math.ceil(maxBytes / 3) * 4 : maxBytes;
  if (raw.length > encodedLimit) throw new PayloadTooLargeError(maxBytes);
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) throw new PayloadTooLargeError(maxBytes);

  if (text.trim() === '')
    throw new BadRequestError('MALFORMED_JSON', 'The request body is empty; a JSON object is required.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError('MALFORMED_JSON', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError('INVALID_REQUEST', 'The request body must be a JSON object.', [
      { field: '(body)', message: 'must be an object' },
    ]);
  }
  return value as Record<string, unknown>;
}
