/** What the contract says an answer looks like: each function returns the problems it finds. */
import type { Reply } from './http';
import type { Kind } from './types';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** The error format: {"message", "code", "details": [{"field", "message"}]}. */
export function errorFormatProblems(reply: Reply): string[] {
  const body = reply.json;
  if (!isObject(body)) return [`body is not a JSON object: ${preview(reply.text)}`];
  const problems: string[] = [];
  if (typeof body.message !== 'string') problems.push('no "message" string');
  if (!nonEmptyString(body.code)) problems.push('no "code" string');
  if (!Array.isArray(body.details)) problems.push('no "details" array');
  else if (
    !body.details.every(
      (item) => isObject(item) && typeof item.field === 'string' && typeof item.message === 'string',
    )
  )
    problems.push('a "details" item without "field" and "message" strings');
  return problems;
}

/** A 204 carries no body: no bytes, and no Content-Length but 0 (clients drop a 204's body silently). */
export function emptyBodyProblems(reply: Reply): string[] {
  const length = reply.headers.get('content-length');
  if (reply.text !== '') return [`a body on a ${reply.status}: ${preview(reply.text)}`];
  if (length !== null && length.trim() !== '0')
    return [`a body on a ${reply.status} (Content-Length: ${length})`];
  if (reply.headers.get('transfer-encoding') !== null) return [`a body on a ${reply.status} (chunked)`];
  return [];
}

export function statusProblems(reply: Reply, expected: readonly number[]): string[] {
  if (expected.includes(reply.status)) return [];
  const code = isObject(reply.json) && typeof reply.json.code === 'string' ? ` ${reply.json.code}` : '';
  return [`answered ${reply.status}${code}, expected ${expected.join(' or ')}`];
}

/** A credential as create returned it, and what update and revoke send back. */
export interface IssuedCredential {
  readonly kind: Kind;
  /** apiKeyId or clientId. */
  readonly id: string;
  /** apiKey or clientSecret. */
  readonly secret: string;
  readonly customCredentials: Readonly<Record<string, unknown>>;
  /** The body create returned: the Portal sends it back on update and revoke. */
  readonly returned: Readonly<Record<string, unknown>>;
}

const TYPES: Record<string, Kind> = { API_KEY: 'api-key', CLIENT_CREDENTIALS: 'client-credentials' };

/** Reads a create answer's credential, or says what is wrong with it. */
export function readCredential(body: unknown): { credential?: IssuedCredential; problems: string[] } {
  if (!isObject(body)) return { problems: ['body is not a JSON object'] };
  const kind = typeof body.credentialType === 'string' ? TYPES[body.credentialType] : undefined;
  if (kind === undefined)
    return {
      problems: [
        `credentialType is ${JSON.stringify(body.credentialType)}, not API_KEY or CLIENT_CREDENTIALS`,
      ],
    };
  const [idField, secretField] = kind === 'api-key' ? ['apiKeyId', 'apiKey'] : ['clientId', 'clientSecret'];
  const id = body[idField];
  const secret = body[secretField];
  const problems: string[] = [];
  if (!nonEmptyString(id)) problems.push(`no "${idField}"`);
  if (!nonEmptyString(secret)) problems.push(`no "${secretField}"`);
  const custom = body.customCredentials;
  if (custom !== undefined && !isObject(custom)) problems.push('"customCredentials" is not an object');
  if (!nonEmptyString(id) || !nonEmptyString(secret)) return { problems };
  return {
    credential: { kind, id, secret, customCredentials: isObject(custom) ? custom : {}, returned: body },
    problems,
  };
}

/** A short, single-line view of a body for a failure reason (a secret-free refusal, as a rule). */
export function preview(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line === '') return '(empty)';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
