/** Credential lifetimes: which applies to a create, when it ends, and how the end is written. */
import {
  type CredentialLifetimes,
  expiryField,
  expiryOf,
  formatExpiry,
  hasExpired,
  lifetimeFor,
} from '../../../lambda/credentials/lifetime';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

const lifetimes = (
  defaultSeconds: number | undefined,
  byApi: Record<string, number | 'never'> = {},
): CredentialLifetimes => ({ defaultSeconds, byApi: new Map(Object.entries(byApi)) });

const apis = (...ids: string[]) => ids.map((id) => ({ id }));

describe('lifetimeFor', () => {
  test('is undefined (never expires) without any lifetime configured', () => {
    expect(lifetimeFor(apis('a1', 'b2'), lifetimes(undefined))).toBeUndefined();
  });

  test('is the default for APIs without their own', () => {
    expect(lifetimeFor(apis('a1'), lifetimes(3600))).toBe(3600);
  });

  test('is the API’s own, longer or shorter than the default', () => {
    expect(lifetimeFor(apis('a1'), lifetimes(3600, { a1: 7200 }))).toBe(7200);
    expect(lifetimeFor(apis('a1'), lifetimes(3600, { a1: 600 }))).toBe(600);
  });

  test('is the shortest when a create names several APIs', () => {
    expect(lifetimeFor(apis('a1', 'b2', 'c3'), lifetimes(3600, { a1: 7200, b2: 900 }))).toBe(900);
  });

  test('leaves an API marked "never" out, so the other APIs decide', () => {
    expect(lifetimeFor(apis('a1', 'b2'), lifetimes(3600, { a1: 'never' }))).toBe(3600);
    expect(lifetimeFor(apis('a1'), lifetimes(3600, { a1: 'never' }))).toBeUndefined();
  });
});

describe('expiryOf', () => {
  test('is the lifetime after now', () => {
    expect(expiryOf(T0, 86_400)).toBe(T0 + 86_400_000);
  });

  test('rounds a fraction of a second up, never shortening the lifetime', () => {
    expect(expiryOf(T0 + 1, 60)).toBe(T0 + 61_000);
    expect(expiryOf(T0 + 999, 60)).toBe(T0 + 61_000);
  });

  test('is undefined without a lifetime', () => {
    expect(expiryOf(T0, undefined)).toBeUndefined();
  });
});

describe('hasExpired', () => {
  test('is false before the expiry, true from it on', () => {
    const entry = { expiresAt: T0 };

    expect(hasExpired(entry, T0 - 1)).toBe(false);
    expect(hasExpired(entry, T0)).toBe(true);
    expect(hasExpired(entry, T0 + 1)).toBe(true);
  });

  test('is never true for a credential without an expiry', () => {
    expect(hasExpired({}, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});

describe('the wire format', () => {
  test('is ISO 8601 in UTC without fractions', () => {
    expect(formatExpiry(Date.UTC(2026, 11, 30, 10, 0, 0))).toBe('2026-12-30T10:00:00Z');
  });

  test('adds no field at all for a credential that never expires', () => {
    expect(expiryField(undefined)).toEqual({});
    expect(Object.keys(expiryField(undefined))).toEqual([]);
    expect(expiryField(T0)).toEqual({ expiresAt: '2026-11-23T10:00:00Z' });
  });
});
