/** Names, descriptions and tags derived from the app stay within AWS's length and character rules. */
import { type Marker, markerInClientName } from '../../../lambda/credentials/marker';
import {
  apiKeyDescription,
  apiKeyName,
  clientName,
  resourceTags,
  tagValue,
} from '../../../lambda/credentials/naming';

/** The marker of a ledger entry, as a create passes it. */
const MARKER: Marker = { instance: '0a1b2c3d', ledgerId: 'abcdefgh01234567' };
const SUFFIX = ' cw=0a1b2c3d.abcdefgh01234567';

const DEVELOPER = 'dev@example.com';
/** Characters a Portal user can type that AWS names or tags do not allow. */
const HOSTILE = 'App/名前<script>alert("x")</script>\t\n😀 (v2) #1 & {co}';
const HUGE_APP = 'a'.repeat(10_000);
const HUGE_DEVELOPER = `${'d'.repeat(5_000)}@example.com`;

describe('apiKeyName', () => {
  test('joins the app name and the developer', () => {
    expect(apiKeyName('my new aws app', DEVELOPER)).toBe('my new aws app (dev@example.com)');
  });

  test('stays within 128 characters for huge inputs', () => {
    expect(apiKeyName(HUGE_APP, HUGE_DEVELOPER).length).toBeLessThanOrEqual(128);
  });

  test('keeps up to 64 characters of the developer', () => {
    const name = apiKeyName('app', HUGE_DEVELOPER);

    expect(name).toBe(`app (${'d'.repeat(64)})`);
  });

  test('uses only characters allowed in API key names, keeping "(developer)" unambiguous', () => {
    expect(apiKeyName(HOSTILE, `${HOSTILE}@example.com`)).toMatch(/^[\w .@+-]+ \([\w.@+-]+\)$/);
  });

  test('keeps a developer e-mail readable', () => {
    expect(apiKeyName('app', 'first.last+portal@my-company.example')).toBe(
      'app (first.last+portal@my-company.example)',
    );
  });

  test('replaces each run of disallowed characters with a single hyphen', () => {
    expect(apiKeyName('orders/<v2>', DEVELOPER)).toBe('orders-v2- (dev@example.com)');
  });

  test('normalizes full-width characters to their plain form', () => {
    expect(apiKeyName('ｍｙ　ａｐｐ', DEVELOPER)).toBe('my app (dev@example.com)');
  });

  test('falls back to "app" when nothing of the app name is left', () => {
    expect(apiKeyName('   ', DEVELOPER)).toBe('app (dev@example.com)');
  });
});

describe('clientName', () => {
  test('joins the app name and the developer, and ends with the marker', () => {
    expect(clientName('my new aws app', DEVELOPER, MARKER)).toBe(`my new aws app - dev@example.com${SUFFIX}`);
  });

  test('ends with " cw=<marker>" whatever the inputs, so the marker can be read back', () => {
    const name = clientName(HOSTILE, HUGE_DEVELOPER, MARKER);

    expect(name.endsWith(SUFFIX)).toBe(true);
    expect(markerInClientName(name)).toEqual(MARKER);
  });

  test('stays within 128 characters for huge inputs, the marker included', () => {
    const name = clientName(HUGE_APP, HUGE_DEVELOPER, MARKER);

    expect(name.length).toBeLessThanOrEqual(128);
    expect(name.endsWith(SUFFIX)).toBe(true);
  });

  test('keeps up to 48 characters of the developer and shortens the app name to fit', () => {
    const name = clientName(HUGE_APP, HUGE_DEVELOPER, MARKER);

    expect(name).toBe(`${'a'.repeat(128 - SUFFIX.length - 48 - 3)} - ${'d'.repeat(48)}${SUFFIX}`);
  });

  test('uses only characters allowed in Cognito client names, and no tabs or line breaks', () => {
    expect(clientName(HOSTILE, `${HOSTILE}@example.com`, MARKER)).toMatch(/^[\w +=,.@-]+$/);
  });

  test('falls back to "app" when nothing of the app name is left', () => {
    expect(clientName('   ', DEVELOPER, MARKER)).toBe(`app - dev@example.com${SUFFIX}`);
  });

  test('an app name that itself ends in a marker-like word does not hide the real marker', () => {
    const name = clientName('app cw=ffffffff.zzzzzzzzzzzzzzzz', DEVELOPER, MARKER);

    expect(markerInClientName(name)).toEqual(MARKER);
  });
});

describe('apiKeyDescription', () => {
  test('names the app slug', () => {
    expect(apiKeyDescription('590d83b5c05f')).toBe(
      'Issued by the Sensedia Developer Portal credential webhook for app 590d83b5c05f',
    );
  });

  test('reads without a slug when there is none', () => {
    expect(apiKeyDescription(undefined)).toBe(
      'Issued by the Sensedia Developer Portal credential webhook for app',
    );
  });

  test('cleans the slug', () => {
    expect(apiKeyDescription('slug <1>')).toBe(
      'Issued by the Sensedia Developer Portal credential webhook for app slug-1-',
    );
  });
});

describe('tagValue', () => {
  test('keeps letters of any script, digits, spaces and _.:/=+@-', () => {
    expect(tagValue('José Ñandú 42 _.:/=+@-')).toBe('José Ñandú 42 _.:/=+@-');
  });

  test('replaces disallowed characters', () => {
    expect(tagValue('a<b>c')).toBe('a-b-c');
  });

  test('only ever contains characters AWS allows in tag values', () => {
    expect(tagValue(HOSTILE)).toMatch(/^[\p{L}\p{N} _.:/=+@-]*$/u);
  });

  test('caps the value at 256 characters', () => {
    expect(tagValue('x'.repeat(300))).toBe('x'.repeat(256));
  });
});

describe('resourceTags', () => {
  test('marks the resource as managed by the webhook, carries the marker and names the developer and the app slug', () => {
    expect(resourceTags('590d83b5c05f', DEVELOPER, MARKER)).toEqual({
      'sensedia:managed-by': 'credential-webhook',
      'sensedia:ledger-id': '0a1b2c3d.abcdefgh01234567',
      'sensedia:developer': DEVELOPER,
      'sensedia:app-slug': '590d83b5c05f',
    });
  });

  test('has no app-slug tag when the app has no slug', () => {
    expect(resourceTags(undefined, DEVELOPER, MARKER)).toEqual({
      'sensedia:managed-by': 'credential-webhook',
      'sensedia:ledger-id': '0a1b2c3d.abcdefgh01234567',
      'sensedia:developer': DEVELOPER,
    });
  });

  test('cleans the tag values', () => {
    expect(resourceTags('slug<1>', 'dev<x>@example.com', MARKER)).toMatchObject({
      'sensedia:developer': 'dev-x-@example.com',
      'sensedia:app-slug': 'slug-1-',
    });
  });
});

describe('characters the input already had', () => {
  test('a double hyphen in an e-mail is kept, not merged', () => {
    expect(apiKeyName('app', 'a--b@x.com')).toBe('app (a--b@x.com)');
  });

  test('a run of disallowed characters becomes one hyphen', () => {
    expect(apiKeyName('a!!!b', 'd@x.com')).toBe('a-b (d@x.com)');
  });

  test('a developer of only disallowed characters still gives a readable name', () => {
    expect(apiKeyName('app', '   ')).toBe('app (developer)');
    expect(clientName('app', '!!!', MARKER)).toBe(`app - developer${SUFFIX}`);
  });

  test('a client name keeps no Unicode line or paragraph separators', () => {
    expect(clientName('app\u2028name\ufeff', 'd@x.com', MARKER)).toMatch(/^[\w +=,.@-]+$/);
  });
});
