/** TtlCache: freshness on the clock it is given, and its bound. */
import { TtlCache } from '../../../lambda/validation/ttl-cache';

const T0 = 1_000_000;

test('a value is fresh for the time given, and gone from then on', () => {
  const cache = new TtlCache<string>(1_000, 10);
  cache.set('a', 'one', T0);

  expect(cache.get('a', T0 + 999)).toEqual({ value: 'one' });
  expect(cache.get('a', T0 + 1_000)).toBeUndefined();
  expect(cache.size).toBe(0);
});

test('remembers an undefined value as a value', () => {
  const cache = new TtlCache<string | undefined>(1_000, 10);
  cache.set('a', undefined, T0);

  expect(cache.get('a', T0)).toEqual({ value: undefined });
  expect(cache.get('b', T0)).toBeUndefined();
});

test('a time of 0 stores nothing', () => {
  const cache = new TtlCache<string>(0, 10);
  cache.set('a', 'one', T0);

  expect(cache.get('a', T0)).toBeUndefined();
  expect(cache.size).toBe(0);
});

test('past its bound it drops the oldest stored; storing again makes a value the newest', () => {
  const cache = new TtlCache<number>(1_000, 2);
  cache.set('a', 1, T0);
  cache.set('b', 2, T0);
  cache.set('a', 10, T0 + 1);
  cache.set('c', 3, T0 + 2);

  expect(cache.size).toBe(2);
  expect(cache.get('b', T0 + 2)).toBeUndefined();
  expect(cache.get('a', T0 + 2)).toEqual({ value: 10 });
  expect(cache.get('c', T0 + 2)).toEqual({ value: 3 });
});

test('storing again restarts the value’s time', () => {
  const cache = new TtlCache<number>(1_000, 2);
  cache.set('a', 1, T0);
  cache.set('a', 2, T0 + 900);

  expect(cache.get('a', T0 + 1_500)).toEqual({ value: 2 });
});
