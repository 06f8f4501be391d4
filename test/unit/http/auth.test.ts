import type { BasicCredentials, BasicCredentialsSource } from '../../../lambda/credentials/ports';
import { UnauthorizedError } from '../../../lambda/errors';
import { BasicAuthenticator, parseBasicAuthorization } from '../../../lambda/http/auth';
import { basic } from '../../support/events';

const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('parseBasicAuthorization', () => {
  test('reads the username and password of a Basic header', () => {
    expect(parseBasicAuthorization(basic('portal', 's3cret'))).toEqual({
      username: 'portal',
      password: 's3cret',
    });
  });

  test('returns undefined when there is no header', () => {
    expect(parseBasicAuthorization(undefined)).toBeUndefined();
  });

  test('returns undefined for a Bearer header', () => {
    expect(parseBasicAuthorization(`Bearer ${encode('portal:s3cret')}`)).toBeUndefined();
  });

  test('accepts the scheme name in lowercase (schemes are case-insensitive)', () => {
    expect(parseBasicAuthorization(`basic ${encode('portal:s3cret')}`)).toEqual({
      username: 'portal',
      password: 's3cret',
    });
  });

  test('returns undefined when the credentials are not base64', () => {
    expect(parseBasicAuthorization('Basic not*base64!')).toBeUndefined();
  });

  test('returns undefined when padding sits in the middle of the base64', () => {
    expect(parseBasicAuthorization('Basic YW=Jj')).toBeUndefined();
  });

  test('returns undefined when the decoded credentials have no colon', () => {
    expect(parseBasicAuthorization(`Basic ${encode('portals3cret')}`)).toBeUndefined();
  });

  test('splits at the first colon so a password may contain colons', () => {
    expect(parseBasicAuthorization(basic('portal', 'a:b::c'))).toEqual({
      username: 'portal',
      password: 'a:b::c',
    });
  });

  test('returns empty strings for an empty username and password (the authenticator refuses them)', () => {
    expect(parseBasicAuthorization(`Basic ${encode(':')}`)).toEqual({ username: '', password: '' });
  });

  test('accepts a header of exactly 4096 characters', () => {
    // 3066 bytes encode to 4088 base64 characters; "Basic " and two trailing spaces make 4096.
    const header = `Basic ${encode(`portal:${'p'.repeat(3059)}`)}  `;

    expect(parseBasicAuthorization(header)).toEqual({ username: 'portal', password: 'p'.repeat(3059) });
  });

  test('returns undefined for a header longer than 4096 characters', () => {
    const header = `Basic ${encode(`portal:${'p'.repeat(3059)}`)}   `;

    expect(parseBasicAuthorization(header)).toBeUndefined();
  });
});

/** A credentials source whose cached and freshly read values the test controls. */
class FakeSource implements BasicCredentialsSource {
  readonly calls: Array<{ refresh?: boolean } | undefined> = [];

  constructor(
    public cached: BasicCredentials,
    public fresh: BasicCredentials = cached,
  ) {}

  async get(options?: { refresh?: boolean }): Promise<BasicCredentials> {
    this.calls.push(options);
    return options?.refresh === true ? this.fresh : this.cached;
  }

  get refreshes(): number {
    return this.calls.filter((call) => call?.refresh === true).length;
  }
}

const REFRESH_MS = 30_000;
/** A clock far from zero, as Date.now is, so the first mismatch may refresh. */
const START = 1_700_000_000_000;

function authenticator(source: BasicCredentialsSource, clock: { now: number } = { now: START }) {
  return new BasicAuthenticator(source, REFRESH_MS, () => clock.now);
}

const credentials = (username: string, ...passwords: string[]): BasicCredentials => ({ username, passwords });

describe('BasicAuthenticator', () => {
  test('accepts the current password', async () => {
    const auth = authenticator(new FakeSource(credentials('portal', 'new-pass')));

    await expect(auth.verify(basic('portal', 'new-pass'))).resolves.toBeUndefined();
  });

  test('accepts the previous password while the source still lists it', async () => {
    const auth = authenticator(new FakeSource(credentials('portal', 'new-pass', 'old-pass')));

    await expect(auth.verify(basic('portal', 'old-pass'))).resolves.toBeUndefined();
  });

  test('refuses the previous password once the source no longer lists it', async () => {
    const auth = authenticator(new FakeSource(credentials('portal', 'new-pass')));

    await expect(auth.verify(basic('portal', 'old-pass'))).rejects.toBeInstanceOf(UnauthorizedError);
  });

  test('refuses a wrong username', async () => {
    const auth = authenticator(new FakeSource(credentials('portal', 'pass')));

    await expect(auth.verify(basic('intruder', 'pass'))).rejects.toBeInstanceOf(UnauthorizedError);
  });

  test('refuses a wrong password', async () => {
    const auth = authenticator(new FakeSource(credentials('portal', 'pass')));

    await expect(auth.verify(basic('portal', 'guess'))).rejects.toBeInstanceOf(UnauthorizedError);
  });

  test('refuses a wrong username and a wrong password', async () => {
    const auth = authenticator(new FakeSource(credentials('portal', 'pass')));

    await expect(auth.verify(basic('intruder', 'guess'))).rejects.toBeInstanceOf(UnauthorizedError);
  });

  test('refuses an empty username and password', async () => {
    const auth = authenticator(new FakeSource(credentials('portal', 'pass')));

    await expect(auth.verify(basic('', ''))).rejects.toBeInstanceOf(UnauthorizedError);
  });

  test('refuses a missing header without reading the source', async () => {
    const source = new FakeSource(credentials('portal', 'pass'));

    await expect(authenticator(source).verify(undefined)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(source.calls).toHaveLength(0);
  });

  test.each<[string, string | undefined]>([
    ['a missing header', undefined],
    ['a Bearer header', 'Bearer abc.def.ghi'],
    ['a header that is not base64', 'Basic %%%'],
    ['a wrong password', basic('portal', 'guess')],
    ['a wrong username', basic('intruder', 'pass')],
  ])('refuses %s with an UnauthorizedError that asks for Basic credentials', async (_case, header) => {
    const auth = authenticator(new FakeSource(credentials('portal', 'pass')));

    const refusal = auth.verify(header);

    await expect(refusal).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(refusal).rejects.toMatchObject({
      status: 401,
      headers: { 'WWW-Authenticate': expect.stringMatching(/^Basic realm="[^"]+"/) },
    });
  });

  test('does not refresh the source when the cached credentials match', async () => {
    const source = new FakeSource(credentials('portal', 'pass'));

    await authenticator(source).verify(basic('portal', 'pass'));

    expect(source.calls).toEqual([undefined]);
  });

  test('re-reads the source once after a mismatch, so a rotated password works before the cache expires', async () => {
    const source = new FakeSource(credentials('portal', 'old-pass'), credentials('portal', 'rotated'));

    await expect(authenticator(source).verify(basic('portal', 'rotated'))).resolves.toBeUndefined();
    expect(source.calls).toEqual([undefined, { refresh: true }]);
  });

  test('still refuses a password that the refreshed credentials do not list', async () => {
    const source = new FakeSource(credentials('portal', 'old-pass'), credentials('portal', 'rotated'));

    await expect(authenticator(source).verify(basic('portal', 'guess'))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(source.refreshes).toBe(1);
  });

  test('does not refresh again within the refresh interval', async () => {
    const clock = { now: START };
    const source = new FakeSource(credentials('portal', 'pass'));
    const auth = authenticator(source, clock);
    await expect(auth.verify(basic('portal', 'guess'))).rejects.toBeInstanceOf(UnauthorizedError);

    clock.now = START + REFRESH_MS - 1;
    await expect(auth.verify(basic('portal', 'guess'))).rejects.toBeInstanceOf(UnauthorizedError);

    expect(source.refreshes).toBe(1);
  });

  test('refreshes again once the refresh interval has passed', async () => {
    const clock = { now: START };
    const source = new FakeSource(credentials('portal', 'pass'));
    const auth = authenticator(source, clock);
    await expect(auth.verify(basic('portal', 'guess'))).rejects.toBeInstanceOf(UnauthorizedError);

    clock.now = START + REFRESH_MS;
    await expect(auth.verify(basic('portal', 'guess'))).rejects.toBeInstanceOf(UnauthorizedError);

    expect(source.refreshes).toBe(2);
  });

  test('accepts a password rotated after a refresh once the next interval has passed', async () => {
    const clock = { now: START };
    const source = new FakeSource(credentials('portal', 'old-pass'), credentials('portal', 'old-pass'));
    const auth = authenticator(source, clock);
    await expect(auth.verify(basic('portal', 'rotated'))).rejects.toBeInstanceOf(UnauthorizedError);

    source.fresh = credentials('portal', 'rotated');
    clock.now = START + REFRESH_MS;

    await expect(auth.verify(basic('portal', 'rotated'))).resolves.toBeUndefined();
  });
});
