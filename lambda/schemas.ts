/**
 * The webhook's contract as zod schemas: the single source of the request and response types.
 * `openapi.yaml` describes the same shapes; test/unit/schemas-openapi.test.ts keeps the two in step.
 *
 * zod/mini keeps the bundle small (15 KB against 455 KB for the full zod, which does not tree-shake);
 * the English locale gives readable messages.
 */

import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());

/**
 * Printable text: no control (Cc) or format (Cf) character. They have no place in names, break
 * logs, and hide or reorder text (bidi overrides, zero-width characters). Plain \u escapes, so that
 * JS with or without the u flag (zod, ajv) and Python's re (schemathesis) read openapi's copy alike.
 */
const PRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /^[^\u0000-\u001F\u007F-\u009F\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB]*$/;
/**
 * The format characters outside the BMP. A separate check: no escape of them reads the same in JS
 * without the u flag and in Python, so openapi's pattern cannot carry them (its description does).
 */
const ASTRAL_FORMAT =
  /[\u{110BD}\u{110CD}\u{13430}-\u{1343F}\u{1BCA0}-\u{1BCA3}\u{1D173}-\u{1D17A}\u{E0001}\u{E0020}-\u{E007F}]/u;
/** A Portal app slug, such as 590d83b5c05f: it names resources and keys the idempotency record. */
const APP_SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** API Gateway resource ids (REST API, usage plan, API key) are short alphanumeric strings. */
const AWS_ID = /^[A-Za-z0-9]+$/;
/** Cognito app client ids: word characters (the documented pattern is [\w+]+). */
const CLIENT_ID = /^[\w+]+$/;

const CONTROL_MESSAGE = 'must not contain control or format characters';
const text = (max: number) =>
  z.string().check(
    z.minLength(1),
    z.maxLength(max),
    z.regex(PRINTABLE, { error: CONTROL_MESSAGE }),
    z.refine((value) => !ASTRAL_FORMAT.test(value), { error: CONTROL_MESSAGE }),
  );
const appSlug = () =>
  z.string().check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(APP_SLUG, {
      error: 'must be a slug: letters, digits, ".", "_" or "-", starting with a letter or digit',
    }),
  );
const awsId = () => z.string().check(z.minLength(1), z.maxLength(64), z.regex(AWS_ID));

export const CREDENTIAL_TYPES = ['API_KEY', 'CLIENT_CREDENTIALS'] as const;
export const CredentialTypeSchema = z.enum(CREDENTIAL_TYPES);
export type CredentialType = z.infer<typeof CredentialTypeSchema>;

/** Opaque data the webhook returns on create; the Portal stores it and sends it back. */
export const CustomCredentialsSchema = z.record(z.string(), z.unknown());

/** An expiry as returned: ISO 8601 in UTC, whole seconds (2026-12-30T10:00:00Z). */
const EXPIRY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * customCredentials as create returns it: free-form, with `expiresAt` for a credential that
 * expires. Requests keep the free-form schema: what the Portal echoes back is never refused.
 */
export const IssuedCustomCredentialsSchema = z.catchall(
  z.object({ expiresAt: z.optional(z.string().check(z.regex(EXPIRY))) }),
  z.unknown(),
);

export const UsagePlanRefSchema = z.object({ id: awsId() });

export const ApiRefSchema = z.object({
  id: awsId(),
  usagePlans: z.optional(z.array(UsagePlanRefSchema).check(z.maxLength(50))),
});
export type ApiRef = z.infer<typeof ApiRefSchema>;

const appFields = {
  appName: text(256),
  appSlug: z.optional(appSlug()),
  developer: text(320),
  apis: z.array(ApiRefSchema).check(z.minLength(1), z.maxLength(50)),
};

export const CreateCredentialsRequestSchema = z.object(appFields);
export type CreateCredentialsRequest = z.infer<typeof CreateCredentialsRequestSchema>;

/** What identifies an issued credential: the Portal sends back what create returned. */
const credentialRefFields = {
  credentialType: z.optional(CredentialTypeSchema),
  apiKeyId: z.optional(awsId()),
  apiKey: z.optional(z.string().check(z.maxLength(1024))),
  clientId: z.optional(z.string().check(z.minLength(1), z.maxLength(128), z.regex(CLIENT_ID))),
  clientSecret: z.optional(z.string().check(z.maxLength(1024))),
  customCredentials: z.optional(CustomCredentialsSchema),
};

/** Exactly one of `apiKeyId` / `clientId`, consistent with `credentialType` when that is given. */
interface CredentialRef {
  readonly credentialType?: CredentialType | undefined;
  readonly apiKeyId?: string | undefined;
  readonly clientId?: string | undefined;
}
const identifiesOneCredential = z.refine<CredentialRef>(
  (ref) =>
    (ref.apiKeyId === undefined) !== (ref.clientId === undefined) &&
    (ref.credentialType === undefined || (ref.credentialType === 'API_KEY') === (ref.apiKeyId !== undefined)),
  { error: 'exactly one of apiKeyId or clientId is required, matching credentialType', path: ['apiKeyId'] },
);

export const UpdateCredentialsRequestSchema = z
  .object({
    ...credentialRefFields,
    appName: z.optional(appFields.appName),
    appSlug: appFields.appSlug,
    developer: z.optional(appFields.developer),
    apis: z.optional(z.array(ApiRefSchema).check(z.maxLength(50))),
  })
  .check(identifiesOneCredential);
export type UpdateCredentialsRequest = z.infer<typeof UpdateCredentialsRequestSchema>;

export const RevokeCredentialsRequestSchema = z.object(credentialRefFields).check(identifiesOneCredential);
export type RevokeCredentialsRequest = z.infer<typeof RevokeCredentialsRequestSchema>;

/** Responses are closed: exactly one credential pair, the other pair's fields absent. */
export const ApiKeyCredentialSchema = z.strictObject({
  credentialType: z.literal('API_KEY'),
  apiKeyId: z.string(),
  apiKey: z.string(),
  customCredentials: z.optional(IssuedCustomCredentialsSchema),
});
export type ApiKeyCredentialResponse = z.infer<typeof ApiKeyCredentialSchema>;

export const ClientCredentialSchema = z.strictObject({
  credentialType: z.literal('CLIENT_CREDENTIALS'),
  clientId: z.string(),
  clientSecret: z.string(),
  customCredentials: z.optional(IssuedCustomCredentialsSchema),
});
export type ClientCredentialResponse = z.infer<typeof ClientCredentialSchema>;

export const CreateCredentialsResponseSchema = z.discriminatedUnion('credentialType', [
  ApiKeyCredentialSchema,
  ClientCredentialSchema,
]);
export type CreateCredentialsResponse = z.infer<typeof CreateCredentialsResponseSchema>;

export const ErrorResponseSchema = z.strictObject({
  message: z.string(),
  code: z.string(),
  details: z.array(z.strictObject({ field: z.string(), message: z.string() })),
});
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

// ---- validateCredentials: for backends that are not behind API Gateway's key check or Cognito ----

/** A credential presented for validation: exactly one of an API key or an access token. */
export const ValidateCredentialsRequestSchema = z
  .strictObject({
    apiKey: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
    // A Cognito access token is about 1 KB; 8 KB leaves room for many scopes.
    accessToken: z.optional(z.string().check(z.minLength(1), z.maxLength(8192))),
  })
  .check(
    z.refine((request) => (request.apiKey === undefined) !== (request.accessToken === undefined), {
      error: 'exactly one of apiKey or accessToken is required',
      path: [],
    }),
  );
export type ValidateCredentialsRequest = z.infer<typeof ValidateCredentialsRequestSchema>;

export const INVALID_REASONS = ['UNKNOWN', 'REVOKED', 'EXPIRED', 'MALFORMED', 'FORGED'] as const;

const expiresAt = () => z.optional(z.string().check(z.regex(EXPIRY)));

export const ValidApiKeySchema = z.strictObject({
  valid: z.literal(true),
  message: z.string(),
  credentialType: z.literal('API_KEY'),
  apiKeyId: z.string(),
  appSlug: z.optional(z.string()),
  expiresAt: expiresAt(),
});

export const ValidClientSchema = z.strictObject({
  valid: z.literal(true),
  message: z.string(),
  credentialType: z.literal('CLIENT_CREDENTIALS'),
  clientId: z.string(),
  appSlug: z.optional(z.string()),
  scopes: z.array(z.string()),
  expiresAt: expiresAt(),
});

export const InvalidCredentialSchema = z.strictObject({
  valid: z.literal(false),
  message: z.string(),
  reason: z.enum(INVALID_REASONS),
});

/** The verdict, always a 200: a bad credential is an answer, not an error of the request. */
export const ValidateCredentialsResponseSchema = z.xor([
  ValidApiKeySchema,
  ValidClientSchema,
  InvalidCredentialSchema,
]);
export type ValidateCredentialsResponse = z.infer<typeof ValidateCredentialsResponseSchema>;
