/**
 * Synth-time checks shared by the constructs. A bad prop fails `cdk synth` with a message that
 * names the prop and the accepted values, instead of a deployment that fails (or, worse, works
 * wrongly) later.
 */
import { Token } from 'aws-cdk-lib';

/** A construct prop (or prop combination) the construct refuses. */
export class InvalidPropsError extends Error {
  constructor(construct: string, message: string) {
    super(`${construct}: ${message}`);
    this.name = 'InvalidPropsError';
  }
}

/** The two credential kinds the webhook issues (lambda/config.ts DEFAULT_CREDENTIAL_TYPE). */
export const CREDENTIAL_TYPES = ['API_KEY', 'CLIENT_CREDENTIALS'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/** API Gateway ids (REST APIs, usage plans) are short alphanumeric strings. */
export const API_GATEWAY_ID = /^[A-Za-z0-9]+$/;

/** A Cognito custom scope "<resource server identifier>/<scope name>" (as lambda/config.ts checks it). */
export const FULL_SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+\/[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$/;

/** A scope name within a resource server. */
export const SCOPE_NAME = /^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$/;

/**
 * A Lambda runtime version ARN, "arn:<partition>:lambda:<region>::runtime:<version hash>" (no
 * account), e.g. "arn:aws:lambda:eu-south-1::runtime:7b62…e9e6"; INIT_START log lines show it.
 * The shape is the Lambda API's own (RuntimeVersionConfig), which says nothing of the hash's form.
 */
export const RUNTIME_VERSION_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(?:-gov|-isob?)?-[a-z]+-\d::runtime:\S+$/;

/** "<region>_<id>", e.g. "us-east-1_AbC123". */
export const USER_POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9a-zA-Z]+$/;

export function isCredentialType(value: unknown): value is CredentialType {
  return typeof value === 'string' && (CREDENTIAL_TYPES as readonly string[]).includes(value);
}

/** Values that occur more than once. */
export function duplicates(values: readonly string[]): string[] {
  return [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];
}

/** An integer within bounds; tokens are accepted as they are (they are checked at deploy time). */
export function checkInteger(construct: string, prop: string, value: number, min: number, max: number): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidPropsError(construct, `${prop} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
