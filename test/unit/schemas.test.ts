import {
  CreateCredentialsRequestSchema,
  CreateCredentialsResponseSchema,
  RevokeCredentialsRequestSchema,
  UpdateCredentialsRequestSchema,
} from '../../lambda/schemas';
import { createRequest } from '../support/events';

/** The distinct paths of the issues a schema reports, or [] when the value is valid. */
function problems(result: {
  success: boolean;
  error?: { issues: Array<{ path: PropertyKey[] }> };
}): string[] {
  return [...new Set((result.error?.issues ?? []).map((issue) => issue.path.map(String).join('.')))];
}

const parseCreate = (value: unknown) => CreateCredentialsRequestSchema.safeParse(value);

describe('CreateCredentialsRequest', () => {
  test('accepts the example of the public contract', () => {
    const example = {
      appName: 'my new aws app',
      appSlug: '590d83b5c05f',
      developer: 'email@mycompany.com',
      apis: [{ id: '5aba4csvd4', usagePlans: [{ id: '1el57v' }] }],
    };

    expect(parseCreate(example)).toEqual({ success: true, data: example });
  });

  test('accepts a request without appSlug', () => {
    const { appSlug: _omitted, ...request } = createRequest();

    expect(parseCreate(request).success).toBe(true);
  });

  test('accepts an API without usage plans', () => {
    expect(parseCreate(createRequest({ apis: [{ id: '5aba4csvd4' }] })).success).toBe(true);
  });

  test('strips unknown fields instead of refusing them', () => {
    const result = parseCreate({ ...createRequest(), environment: 'prod', extra: { nested: true } });

    expect(result.data).toEqual(createRequest());
  });

  test('strips unknown fields inside the APIs', () => {
    const result = parseCreate(
      createRequest({ apis: [{ id: 'a1', name: 'Orders', usagePlans: [{ id: 'p1', x: 1 }] }] }),
    );

    expect(result.data?.apis).toEqual([{ id: 'a1', usagePlans: [{ id: 'p1' }] }]);
  });

  test.each([
    ['a newline', 'my\napp'],
    ['a NUL', 'my\u0000app'],
    ['an escape', 'my\u001bapp'],
    ['a DEL', 'my\u007fapp'],
  ])('refuses an appName with %s', (_kind, appName) => {
    expect(problems(parseCreate(createRequest({ appName })))).toEqual(['appName']);
  });

  /** The control and format characters the security review named, one of each kind. */
  const HIDDEN_CHARACTERS: Array<[string, string]> = [
    ['a C1 control (U+0085)', '\u0085'],
    ['a C1 control (U+009F)', '\u009f'],
    ['a soft hyphen', '\u00ad'],
    ['a right-to-left override', '\u202e'],
    ['a left-to-right embedding', '\u202a'],
    ['a first-strong isolate', '\u2068'],
    ['a pop directional isolate', '\u2069'],
    ['a line separator', '\u2028'],
    ['a paragraph separator', '\u2029'],
    ['a zero-width space', '\u200b'],
    ['a right-to-left mark', '\u200f'],
    ['a word joiner', '\u2060'],
    ['an invisible plus', '\u2064'],
    ['a byte order mark', '\ufeff'],
    ['an Arabic number sign', '\u0600'],
    ['an Arabic letter mark', '\u061c'],
    ['an end of ayah', '\u06dd'],
    ['a Syriac abbreviation mark', '\u070f'],
    ['an Arabic pound mark above', '\u0890'],
    ['an Arabic disputed end of ayah', '\u08e2'],
    ['a Mongolian vowel separator', '\u180e'],
    ['an interlinear annotation anchor', '\ufff9'],
    ['a Kaithi number sign (U+110BD)', '\u{110bd}'],
    ['a Kaithi number sign above (U+110CD)', '\u{110cd}'],
    ['an Egyptian hieroglyph format control (U+13430)', '\u{13430}'],
    ['a shorthand format control (U+1BCA3)', '\u{1bca3}'],
    ['a musical symbol format control (U+1D173)', '\u{1d173}'],
    ['a language tag (U+E0001)', '\u{e0001}'],
    ['a tag character (U+E0041)', '\u{e0041}'],
    ['a cancel tag (U+E007F)', '\u{e007f}'],
  ];

  describe.each(['appName', 'developer'])('%s refuses hidden characters', (field) => {
    test.each(HIDDEN_CHARACTERS)('%s', (_kind, character) => {
      const result = parseCreate(createRequest({ [field]: `my${character}app` }));

      expect(problems(result)).toEqual([field]);
      expect(result.error?.issues[0]?.message).toBe('must not contain control or format characters');
    });
  });

  test.each(HIDDEN_CHARACTERS)('update refuses %s in appName and developer', (_kind, character) => {
    const request = { apiKeyId: 'k1a2b3', appName: `a${character}`, developer: `d${character}` };

    expect(problems(UpdateCredentialsRequestSchema.safeParse(request)).sort()).toEqual([
      'appName',
      'developer',
    ]);
  });

  test('accepts astral characters that are not format characters (emoji, mathematical letters)', () => {
    expect(parseCreate(createRequest({ appName: 'app 😀 𝔘 🏳️' })).success).toBe(true);
  });

  test('refuses an emoji joined by a zero-width joiner (U+200D is a format character)', () => {
    expect(problems(parseCreate(createRequest({ appName: 'app 🏳️\u200d🌈' })))).toEqual(['appName']);
  });

  test.each(['590d83b5c05f', 'my-app', 'My_App.v2', 'a', `a${'-'.repeat(127)}`])(
    'accepts the appSlug %j',
    (appSlug) => {
      expect(parseCreate(createRequest({ appSlug })).success).toBe(true);
    },
  );

  test.each([
    ['a space', 'my app'],
    ['a slash', 'my/app'],
    ['a leading dash', '-app'],
    ['a leading dot', '.app'],
    ['a non-ASCII letter', 'aplicação'],
    ['a right-to-left override', 'app\u202e'],
    ['a quote', 'app"'],
    ['an empty string', ''],
  ])('refuses an appSlug with %s, naming it', (_kind, appSlug) => {
    expect(problems(parseCreate(createRequest({ appSlug })))).toEqual(['appSlug']);
  });

  test('update checks appSlug as create does', () => {
    expect(
      problems(UpdateCredentialsRequestSchema.safeParse({ apiKeyId: 'k1a2b3', appSlug: 'a b' })),
    ).toEqual(['appSlug']);
  });

  test('refuses control characters in developer and appSlug too', () => {
    const request = createRequest({ developer: 'dev@example.com\r\n', appSlug: 'slug\t1' });

    expect(problems(parseCreate(request)).sort()).toEqual(['appSlug', 'developer']);
  });

  test('accepts non-ASCII printable text', () => {
    expect(parseCreate(createRequest({ appName: 'Aplicação de pagamentos ✓' })).success).toBe(true);
  });

  test.each([
    ['appName', 256],
    ['appSlug', 128],
    ['developer', 320],
  ])('accepts %s at its maximum length of %i', (field, max) => {
    expect(parseCreate(createRequest({ [field]: 'a'.repeat(max) })).success).toBe(true);
  });

  test.each([
    ['appName', 257],
    ['appSlug', 129],
    ['developer', 321],
  ])('refuses %s longer than its maximum (%i characters)', (field, length) => {
    expect(problems(parseCreate(createRequest({ [field]: 'a'.repeat(length) })))).toEqual([field]);
  });

  test.each(['appName', 'developer'])('refuses an empty %s', (field) => {
    expect(problems(parseCreate(createRequest({ [field]: '' })))).toEqual([field]);
  });

  test.each(['appName', 'developer', 'apis'])('requires %s', (field) => {
    expect(problems(parseCreate(createRequest({ [field]: undefined })))).toEqual([field]);
  });

  test('refuses an empty apis list', () => {
    expect(problems(parseCreate(createRequest({ apis: [] })))).toEqual(['apis']);
  });

  test('refuses more than 50 APIs', () => {
    const apis = Array.from({ length: 51 }, (_, index) => ({ id: `api${index}` }));

    expect(problems(parseCreate(createRequest({ apis })))).toEqual(['apis']);
  });

  test.each(['5aba-csvd4', '5aba csvd4', '5aba4csvd4/', '', 'ápi1'])('refuses the API id %j', (id) => {
    expect(problems(parseCreate(createRequest({ apis: [{ id }] })))).toEqual(['apis.0.id']);
  });

  test.each(['1el_57v', '1el57v;', ''])('refuses the usage plan id %j', (id) => {
    const request = createRequest({ apis: [{ id: '5aba4csvd4', usagePlans: [{ id }] }] });

    expect(problems(parseCreate(request))).toEqual(['apis.0.usagePlans.0.id']);
  });

  test('refuses an id longer than 64 characters', () => {
    expect(problems(parseCreate(createRequest({ apis: [{ id: 'a'.repeat(65) }] })))).toEqual(['apis.0.id']);
  });
});

describe.each([
  ['UpdateCredentialsRequest', UpdateCredentialsRequestSchema],
  ['RevokeCredentialsRequest', RevokeCredentialsRequestSchema],
])('%s identifies one credential', (_name, schema) => {
  test('accepts an apiKeyId with credentialType API_KEY', () => {
    expect(schema.safeParse({ credentialType: 'API_KEY', apiKeyId: 'k1a2b3', apiKey: 'value' }).success).toBe(
      true,
    );
  });

  test('accepts a clientId with credentialType CLIENT_CREDENTIALS', () => {
    const request = { credentialType: 'CLIENT_CREDENTIALS', clientId: '4tq1abc2def3', clientSecret: 's' };

    expect(schema.safeParse(request).success).toBe(true);
  });

  test('accepts an apiKeyId without credentialType', () => {
    expect(schema.safeParse({ apiKeyId: 'k1a2b3' }).success).toBe(true);
  });

  test('accepts a clientId without credentialType', () => {
    expect(schema.safeParse({ clientId: '4tq1abc2def3' }).success).toBe(true);
  });

  test('keeps the customCredentials the Portal sends back', () => {
    const customCredentials = { apiKeyHeader: 'x-api-key', nested: { a: [1, 2] } };

    expect(schema.safeParse({ apiKeyId: 'k1a2b3', customCredentials }).data).toMatchObject({
      customCredentials,
    });
  });

  test('refuses both apiKeyId and clientId', () => {
    expect(problems(schema.safeParse({ apiKeyId: 'k1a2b3', clientId: '4tq1abc2def3' }))).toEqual([
      'apiKeyId',
    ]);
  });

  test('refuses neither apiKeyId nor clientId', () => {
    expect(problems(schema.safeParse({ credentialType: 'API_KEY' }))).toEqual(['apiKeyId']);
  });

  test('refuses credentialType CLIENT_CREDENTIALS with an apiKeyId', () => {
    expect(problems(schema.safeParse({ credentialType: 'CLIENT_CREDENTIALS', apiKeyId: 'k1a2b3' }))).toEqual([
      'apiKeyId',
    ]);
  });

  test('refuses credentialType API_KEY with a clientId', () => {
    expect(problems(schema.safeParse({ credentialType: 'API_KEY', clientId: '4tq1abc2def3' }))).toEqual([
      'apiKeyId',
    ]);
  });

  test('refuses an unknown credentialType', () => {
    expect(problems(schema.safeParse({ credentialType: 'OAUTH', apiKeyId: 'k1a2b3' }))).toContain(
      'credentialType',
    );
  });

  test('refuses an apiKeyId that is not an API Gateway id', () => {
    expect(problems(schema.safeParse({ apiKeyId: 'k1-a2' }))).toContain('apiKeyId');
  });

  test('refuses a clientId with characters Cognito never uses', () => {
    expect(problems(schema.safeParse({ clientId: '4tq1/abc' }))).toContain('clientId');
  });

  test('refuses customCredentials that is not an object', () => {
    expect(problems(schema.safeParse({ apiKeyId: 'k1a2b3', customCredentials: 'x' }))).toContain(
      'customCredentials',
    );
  });
});

describe('UpdateCredentialsRequest app fields', () => {
  test('accepts the app fields of create together with the credential', () => {
    const request = { ...createRequest(), credentialType: 'API_KEY', apiKeyId: 'k1a2b3', apiKey: 'value' };

    expect(UpdateCredentialsRequestSchema.safeParse(request)).toEqual({ success: true, data: request });
  });

  test('accepts an empty apis list (the app no longer uses any API)', () => {
    expect(UpdateCredentialsRequestSchema.safeParse({ apiKeyId: 'k1a2b3', apis: [] }).success).toBe(true);
  });

  test('validates the app fields like create does', () => {
    const request = { apiKeyId: 'k1a2b3', appName: 'bad\nname', apis: [{ id: 'bad id' }] };

    expect(problems(UpdateCredentialsRequestSchema.safeParse(request)).sort()).toEqual([
      'apis.0.id',
      'appName',
    ]);
  });
});

describe('customCredentials.expiresAt', () => {
  const key = (customCredentials: unknown) => ({
    credentialType: 'API_KEY',
    apiKeyId: 'k',
    apiKey: 'v',
    customCredentials,
  });

  test('a response may carry it as ISO 8601 in UTC, whole seconds', () => {
    expect(
      CreateCredentialsResponseSchema.safeParse(key({ expiresAt: '2026-12-30T10:00:00Z' })).success,
    ).toBe(true);
  });

  test.each([['2026-12-30T10:00:00.000Z'], ['2026-12-30T10:00:00+01:00'], ['2026-12-30'], [1798624800]])(
    'a response may not carry it as %j',
    (expiresAt) => {
      expect(CreateCredentialsResponseSchema.safeParse(key({ expiresAt })).success).toBe(false);
    },
  );

  test('a revoke echoing anything in it is accepted: the Portal sends back what it stored', () => {
    expect(
      RevokeCredentialsRequestSchema.safeParse({ apiKeyId: 'k1', customCredentials: { expiresAt: 42 } })
        .success,
    ).toBe(true);
  });
});
