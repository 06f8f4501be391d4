import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A random string over [a-zA-Z0-9] (or lowercase + digits), for ids, keys and passwords. */
export function randomToken(length: number, lowercase = false): string {
  const alphabet = lowercase ? ALPHABET.slice(0, 26) + ALPHABET.slice(52) : ALPHABET;
  // 256 is not a multiple of the alphabet's size: reject the bytes above the largest multiple.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}
