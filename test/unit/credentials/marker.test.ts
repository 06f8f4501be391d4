/** The marker that ties an AWS resource to its ledger entry: made, written and read back. */
import {
  clientNameSuffix,
  formatMarker,
  instanceOf,
  MARKER_TAG,
  markerInClientName,
  newLedgerId,
  parseMarker,
} from '../../../lambda/credentials/marker';

const MARKER = { instance: '0a1b2c3d', ledgerId: 'abcdefgh01234567' };

describe('instanceOf', () => {
  test('is the first 8 hex characters of the SHA-256 of the ledger table name', () => {
    // sha256("webhook-ledger"), computed once with `printf webhook-ledger | sha256sum`.
    expect(instanceOf('webhook-ledger')).toBe('059b8e3f');
  });

  test('is the same for the same table name', () => {
    expect(instanceOf('webhook-ledger')).toBe(instanceOf('webhook-ledger'));
  });

  test('differs between two tables', () => {
    expect(instanceOf('ledger-a')).not.toBe(instanceOf('ledger-b'));
  });
});

describe('newLedgerId', () => {
  test('is 16 characters of [a-z0-9]', () => {
    expect(newLedgerId()).toMatch(/^[a-z0-9]{16}$/);
  });

  test('is new each time', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newLedgerId()));

    expect(ids.size).toBe(1000);
  });

  test('uses the whole alphabet, digits included', () => {
    const used = new Set(
      Array.from({ length: 200 }, () => newLedgerId())
        .join('')
        .split(''),
    );

    expect(used.size).toBe(36);
  });
});

describe('formatMarker and parseMarker', () => {
  test('a marker is "<instance>.<ledgerId>"', () => {
    expect(formatMarker(MARKER)).toBe('0a1b2c3d.abcdefgh01234567');
  });

  test('parse reads back what format wrote', () => {
    expect(parseMarker(formatMarker(MARKER))).toEqual(MARKER);
  });

  test('parse reads back a marker of a generated ledger id', () => {
    const marker = { instance: instanceOf('webhook-ledger'), ledgerId: newLedgerId() };

    expect(parseMarker(formatMarker(marker))).toEqual(marker);
  });

  test.each([
    ['nothing', undefined],
    ['an empty value', ''],
    ['an instance that is not hex', '0a1b2c3z.abcdefgh01234567'],
    ['a short instance', '0a1b2c3.abcdefgh01234567'],
    ['a ledger id with capitals', '0a1b2c3d.ABCDEFGH01234567'],
    ['a short ledger id', '0a1b2c3d.abcdefgh0123456'],
    ['a long ledger id', '0a1b2c3d.abcdefgh012345678'],
    ['no separator', '0a1b2c3dabcdefgh01234567'],
    ['text around it', 'x 0a1b2c3d.abcdefgh01234567'],
  ])('parse finds no marker in %s', (_case, value) => {
    expect(parseMarker(value)).toBeUndefined();
  });
});

describe('the API key tag', () => {
  test('is sensedia:ledger-id', () => {
    expect(MARKER_TAG).toBe('sensedia:ledger-id');
  });
});

describe('clientNameSuffix and markerInClientName', () => {
  test('a client name ends with " cw=<marker>", 29 characters', () => {
    expect(clientNameSuffix(MARKER)).toBe(' cw=0a1b2c3d.abcdefgh01234567');
    expect(clientNameSuffix(MARKER)).toHaveLength(29);
  });

  test('reads the marker at the end of a client name', () => {
    expect(markerInClientName(`my app - dev@example.com${clientNameSuffix(MARKER)}`)).toEqual(MARKER);
  });

  test('reads a name that is only the marker word', () => {
    expect(markerInClientName('cw=0a1b2c3d.abcdefgh01234567')).toEqual(MARKER);
  });

  test.each([
    ['no name', undefined],
    ['a name without a marker', 'my app - dev@example.com'],
    ['a marker that is not at the end', 'my app cw=0a1b2c3d.abcdefgh01234567 - dev@example.com'],
    ['a marker glued to the word before it', 'my appcw=0a1b2c3d.abcdefgh01234567'],
    ['a malformed marker', 'my app cw=0a1b2c3d.abc'],
  ])('finds no marker in %s', (_case, name) => {
    expect(markerInClientName(name)).toBeUndefined();
  });
});
