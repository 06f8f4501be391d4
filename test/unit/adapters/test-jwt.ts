/**
 * RS256 tokens signed with a test key, with whatever header and claims a test needs (an ID token,
 * another issuer, a signature by another key): the verifiers are tested against what an attacker
 * or another issuer could present, not only against well-formed tokens.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { Jwks } from 'aws-jwt-verify/jwk';

export interface TestKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** The key set publishing the public half. */
  readonly jwks: Jwks;
}

export function testKey(kid: string): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { n = '', e = '' } = publicKey.export({ format: 'jwk' });
  return { kid, privateKey, jwks: { keys: [{ kty: 'RSA', kid, alg: 'RS256', use: 'sig', n, e }] } };
}

const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS over `payload`, with `key`'s kid unless the header says otherwise. */
export function signJwt(key: TestKey, payload: object, header: object = {}): string {
  const input = `${part({ kid: key.kid, alg: 'RS256', ...header })}.${part(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/** The decoded header and payload of a compact JWS (no verification). */
export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header = '', payload = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
  };
}

/** Epoch seconds now: the library checks `exp` against the clock, so tokens are made relative to it. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
