/**
 * openapi.yaml and the zod schemas must describe the same contract. Two checks:
 * 1. structure: each openapi component, with $refs and allOf flattened, equals the JSON Schema
 *    zod generates for the matching schema (types, properties, required fields, limits, patterns);
 * 2. behaviour: sample documents are accepted or refused alike by ajv (openapi) and zod, which
 *    also covers the rules JSON Schema expresses differently (exactly one credential id).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import * as z from 'zod/mini';
import * as schemas from '../../lambda/schemas';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const openapi = parse(readFileSync(join(__dirname, '..', '..', 'openapi.yaml'), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonObject> };
};
const components = openapi.components.schemas;

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const IGNORED = new Set(['description', 'example', 'examples', 'discriminator', '$schema', 'title']);

/** Resolves $refs, merges allOf, drops annotations and object-level oneOf rules (see check 2). */
function normalize(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(normalize);
  if (!isObject(schema)) return schema;
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const target = components[ref.replace('#/components/schemas/', '')];
    if (target === undefined) throw new Error(`unresolved ${ref}`);
    return normalize(target);
  }
  let out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (IGNORED.has(key) || key === 'allOf') continue;
    if (key === 'oneOf' && schema.properties !== undefined) continue;
    out[key] = normalize(value);
  }
  for (const part of Array.isArray(schema.allOf) ? schema.allOf : []) {
    const merged = normalize(part);
    if (!isObject(merged)) continue;
    const properties = {
      ...(isObject(merged.properties) ? merged.properties : {}),
      ...(isObject(out.properties) ? out.properties : {}),
    };
    const required = [
      ...new Set([
        ...(Array.isArray(merged.required) ? merged.required : []),
        ...(Array.isArray(out.required) ? out.required : []),
      ]),
    ];
    out = { ...merged, ...out };
    if (Object.keys(properties).length > 0) out.properties = properties;
    if (required.length > 0) out.required = required;
  }
  if (Array.isArray(out.required)) out.required = [...out.required].sort();
  return out;
}

const zodSchema = (schema: z.ZodMiniType, io: 'input' | 'output') =>
  normalize(z.toJSONSchema(schema, { io }) as Json);

const pairs: Array<[string, z.ZodMiniType, 'input' | 'output']> = [
  ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, 'input'],
  ['UpdateCredentialsRequest', schemas.UpdateCredentialsRequestSchema, 'input'],
  ['RevokeCredentialsRequest', schemas.RevokeCredentialsRequestSchema, 'input'],
  ['CreateCredentialsResponse', schemas.CreateCredentialsResponseSchema, 'output'],
  ['Error', schemas.ErrorResponseSchema, 'output'],
  ['ValidateCredentialsRequest', schemas.ValidateCredentialsRequestSchema, 'input'],
  ['ValidateCredentialsResponse', schemas.ValidateCredentialsResponseSchema, 'output'],
];

describe('openapi.yaml components match the zod schemas', () => {
  test.each(pairs)('%s', (name, schema, io) => {
    const component = components[name];
    expect(component).toBeDefined();
    expect(normalize(component ?? null)).toEqual(zodSchema(schema, io));
  });
});

const request = (sample: unknown): [string, z.ZodMiniType, unknown] => [
  'ValidateCredentialsRequest',
  schemas.ValidateCredentialsRequestSchema,
  sample,
];
const verdict = (sample: unknown): [string, z.ZodMiniType, unknown] => [
  'ValidateCredentialsResponse',
  schemas.ValidateCredentialsResponseSchema,
  sample,
];
const validKey = { valid: true, message: 'Token is valid', credentialType: 'API_KEY', apiKeyId: 'k1' };
const validClient = {
  valid: true,
  message: 'Token is valid',
  credentialType: 'CLIENT_CREDENTIALS',
  clientId: 'c1',
  scopes: ['orders/read'],
};
const validateSamples: Array<[string, z.ZodMiniType, unknown]> = [
  request({ apiKey: 'k' }),
  request({ accessToken: 'a.b.c' }),
  request({ apiKey: 'k'.repeat(1024) }),
  request({ apiKey: 'k'.repeat(1025) }),
  request({ accessToken: 't'.repeat(8193) }),
  request({ apiKey: '' }),
  request({}),
  request({ apiKey: 'k', accessToken: 't' }),
  request({ apiKey: 'k', extra: 1 }),
  request({ apiKey: 42 }),
  request({ apiKey: null }),
  verdict(validKey),
  verdict({ ...validKey, appSlug: 'my-app', expiresAt: '2026-12-30T10:00:00Z' }),
  verdict({ ...validKey, expiresAt: '2026-12-30T10:00:00.000Z' }),
  verdict({ ...validKey, scopes: [] }),
  verdict(validClient),
  verdict({ ...validClient, appSlug: 'my-app', expiresAt: '2026-12-30T10:00:00Z' }),
  verdict({ ...validClient, scopes: undefined }),
  verdict({ ...validClient, credentialType: 'API_KEY' }),
  verdict({ valid: false, message: 'Token is not valid: it was revoked', reason: 'REVOKED' }),
  verdict({ valid: false, message: 'Token is not valid', reason: 'STOLEN' }),
  verdict({ valid: false, message: 'Token is not valid', reason: 'FORGED', apiKeyId: 'k1' }),
  verdict({ valid: true, message: 'Token is valid', reason: 'UNKNOWN' }),
];

describe('openapi.yaml and zod accept and refuse the same documents', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
  ajv.addVocabulary(['components', 'discriminator', 'example']);
  ajv.addSchema({ $id: 'openapi', components: openapi.components } as object);
  const validator = (name: string) => ajv.getSchema(`openapi#/components/schemas/${name}`);

  const app = {
    appName: 'my new aws app',
    appSlug: '590d83b5c05f',
    developer: 'email@mycompany.com',
    apis: [{ id: '5aba4csvd4', usagePlans: [{ id: '1el57v' }] }],
  };
  const samples: Array<[string, z.ZodMiniType, unknown]> = [
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, app],
    [
      'CreateCredentialsRequest',
      schemas.CreateCredentialsRequestSchema,
      { ...app, appSlug: undefined, extra: 1 },
    ],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, apis: [{ id: 'abc' }] }],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, apis: [] }],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, appName: '' }],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, appName: 'a\u0007b' }],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, appName: 'a\u202eb' }],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, developer: 'd\u200b@x' }],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, appName: 'a\u0085b' }],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, appName: 'app 😀 ✓' }],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, appSlug: 'my-app_1.0' }],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, appSlug: 'my app' }],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, appSlug: '-app' }],
    [
      'CreateCredentialsRequest',
      schemas.CreateCredentialsRequestSchema,
      { ...app, appName: 'x'.repeat(257) },
    ],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { ...app, developer: 42 }],
    [
      'CreateCredentialsRequest',
      schemas.CreateCredentialsRequestSchema,
      { ...app, apis: [{ id: 'has space' }] },
    ],
    [
      'CreateCredentialsRequest',
      schemas.CreateCredentialsRequestSchema,
      { ...app, apis: [{ id: 'a', usagePlans: [{}] }] },
    ],
    ['CreateCredentialsRequest', schemas.CreateCredentialsRequestSchema, { appName: 'a', developer: 'd' }],
    ['UpdateCredentialsRequest', schemas.UpdateCredentialsRequestSchema, { apiKeyId: 'k1', ...app }],
    [
      'UpdateCredentialsRequest',
      schemas.UpdateCredentialsRequestSchema,
      { credentialType: 'API_KEY', apiKeyId: 'k1', apiKey: 'v' },
    ],
    [
      'UpdateCredentialsRequest',
      schemas.UpdateCredentialsRequestSchema,
      { clientId: 'c_1', clientSecret: 's', apis: [] },
    ],
    ['UpdateCredentialsRequest', schemas.UpdateCredentialsRequestSchema, { apiKeyId: 'k1', clientId: 'c1' }],
    ['UpdateCredentialsRequest', schemas.UpdateCredentialsRequestSchema, { appName: 'no id' }],
    [
      'UpdateCredentialsRequest',
      schemas.UpdateCredentialsRequestSchema,
      { credentialType: 'CLIENT_CREDENTIALS', apiKeyId: 'k1' },
    ],
    [
      'UpdateCredentialsRequest',
      schemas.UpdateCredentialsRequestSchema,
      { credentialType: 'OTHER', apiKeyId: 'k1' },
    ],
    [
      'RevokeCredentialsRequest',
      schemas.RevokeCredentialsRequestSchema,
      { apiKeyId: 'k1', customCredentials: { a: [1] } },
    ],
    [
      'RevokeCredentialsRequest',
      schemas.RevokeCredentialsRequestSchema,
      { credentialType: 'CLIENT_CREDENTIALS', clientId: 'c1' },
    ],
    ['RevokeCredentialsRequest', schemas.RevokeCredentialsRequestSchema, {}],
    [
      'RevokeCredentialsRequest',
      schemas.RevokeCredentialsRequestSchema,
      { apiKeyId: 'k1', customCredentials: [] },
    ],
    ['RevokeCredentialsRequest', schemas.RevokeCredentialsRequestSchema, { clientId: 'bad-dash' }],
    [
      'CreateCredentialsResponse',
      schemas.CreateCredentialsResponseSchema,
      { credentialType: 'API_KEY', apiKeyId: 'k', apiKey: 'v' },
    ],
    [
      'CreateCredentialsResponse',
      schemas.CreateCredentialsResponseSchema,
      { credentialType: 'CLIENT_CREDENTIALS', clientId: 'c', clientSecret: 's', customCredentials: {} },
    ],
    [
      'CreateCredentialsResponse',
      schemas.CreateCredentialsResponseSchema,
      { credentialType: 'API_KEY', clientId: 'c', clientSecret: 's' },
    ],
    [
      'CreateCredentialsResponse',
      schemas.CreateCredentialsResponseSchema,
      {
        credentialType: 'API_KEY',
        apiKeyId: 'k',
        apiKey: 'v',
        customCredentials: { apiKeyHeader: 'x-api-key', expiresAt: '2026-12-30T10:00:00Z' },
      },
    ],
    [
      'CreateCredentialsResponse',
      schemas.CreateCredentialsResponseSchema,
      {
        credentialType: 'CLIENT_CREDENTIALS',
        clientId: 'c',
        clientSecret: 's',
        customCredentials: { expiresAt: '2026-12-30T10:00:00.000Z' },
      },
    ],
    [
      'CreateCredentialsResponse',
      schemas.CreateCredentialsResponseSchema,
      { credentialType: 'API_KEY', apiKeyId: 'k', apiKey: 'v', customCredentials: { expiresAt: 1798624800 } },
    ],
    [
      'RevokeCredentialsRequest',
      schemas.RevokeCredentialsRequestSchema,
      { apiKeyId: 'k1', customCredentials: { expiresAt: 'whatever the Portal stored' } },
    ],
    [
      'CreateCredentialsResponse',
      schemas.CreateCredentialsResponseSchema,
      { credentialType: 'API_KEY', apiKeyId: 'k', apiKey: 'v', clientId: null },
    ],
    [
      'Error',
      schemas.ErrorResponseSchema,
      { message: 'm', code: 'C', details: [{ field: 'f', message: 'm' }] },
    ],
    ['Error', schemas.ErrorResponseSchema, { message: 'm', code: 'C' }],
    ...validateSamples,
  ];

  test.each(samples)('%s sample %#', (name, schema, sample) => {
    const validate = validator(name);
    expect(validate).toBeDefined();
    const openapiVerdict = validate?.(sample) === true;
    expect({ openapi: openapiVerdict, zod: schema.safeParse(sample).success }).toEqual({
      openapi: openapiVerdict,
      zod: openapiVerdict,
    });
  });

  test('both verdicts occur, so the samples can tell the two apart', () => {
    const verdicts = new Set(samples.map(([, schema, sample]) => schema.safeParse(sample).success));
    expect(verdicts).toEqual(new Set([true, false]));
  });
});

/** Every code point of the given general categories, as JS's own Unicode tables list them. */
function codePoints(category: RegExp, from = 0, to = 0x10ffff): number[] {
  const found: number[] = [];
  for (let point = from; point <= to; point++) {
    if (category.test(String.fromCodePoint(point))) found.push(point);
  }
  return found;
}

describe('control and format characters: openapi.yaml, zod and Python read the text pattern alike', () => {
  // Controls, format characters, and the line and paragraph separators (U+2028, U+2029).
  const CONTROL_OR_FORMAT = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]$/u;
  const property = (name: string): JsonObject => {
    const properties = components.CreateCredentialsRequest?.properties;
    const value = isObject(properties) ? properties[name] : undefined;
    if (!isObject(value)) throw new Error(`no property ${name}`);
    return value;
  };
  const pattern = String(property('appName').pattern);
  const bmp = codePoints(CONTROL_OR_FORMAT, 0, 0xffff);
  const astral = codePoints(CONTROL_OR_FORMAT, 0x10000);
  const refusedByZod = (point: number) =>
    !schemas.CreateCredentialsRequestSchema.safeParse({
      appName: `a${String.fromCodePoint(point)}b`,
      developer: 'd',
      apis: [{ id: 'a1' }],
    }).success;

  test('the pattern refuses every control and format character of the BMP, with and without the u flag', () => {
    const plain = new RegExp(pattern);
    const unicode = new RegExp(pattern, 'u');
    const accepted = bmp.filter((point) => {
      const value = `a${String.fromCodePoint(point)}b`;
      return plain.test(value) || unicode.test(value);
    });

    expect(bmp.length).toBeGreaterThan(60);
    expect(accepted).toEqual([]);
  });

  test('zod refuses every control and format character, outside the BMP too', () => {
    expect(astral.length).toBeGreaterThan(100);
    expect([...bmp, ...astral].filter((point) => !refusedByZod(point))).toEqual([]);
  });

  test('the pattern keeps printable text, astral characters included, with and without the u flag', () => {
    const samples = ['Aplicação ✓', 'app 😀', '漢字 Жعربي', '\u00a0nbsp', 'a\ufffdb'];
    for (const flags of ['', 'u']) {
      expect(samples.filter((value) => !new RegExp(pattern, flags).test(value))).toEqual([]);
    }
  });

  test('the format characters outside the BMP, refused by zod only, are each named in the description', () => {
    const description = String(property('appName').description);
    const ranges = [...description.matchAll(/U\+([0-9A-F]{5,6})(?:–U\+([0-9A-F]{5,6}))?/g)].map(
      ([, first = '', last]) => [Number.parseInt(first, 16), Number.parseInt(last ?? first, 16)] as const,
    );
    const unnamed = astral.filter((point) => !ranges.some(([low, high]) => low <= point && point <= high));

    expect(unnamed).toEqual([]);
  });

  test("Python's re (schemathesis generates from it) refuses the same BMP characters and keeps astral text", () => {
    const script = [
      'import re, sys, json',
      'pattern = re.compile(sys.argv[1])',
      'points = json.loads(sys.argv[2])',
      'print(json.dumps({"accepted": [p for p in points if pattern.match("a" + chr(p) + "b")],',
      '  "emoji": bool(pattern.match("app \\U0001F600"))}))',
    ].join('\n');
    const result = spawnSync('python3', ['-c', script, pattern, JSON.stringify(bmp)], { encoding: 'utf8' });

    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ accepted: [], emoji: true });
  });
});

describe('openapi.yaml describes the routes the webhook serves', () => {
  test('the five endpoints with their methods, all behind Basic auth', () => {
    const routes = Object.entries(openapi.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual([
      'GET /v1/health',
      'POST /v1/createCredentials',
      'POST /v1/revokeCredentials',
      'POST /v1/updateCredentials',
      'POST /v1/validateCredentials',
    ]);
    expect(parse(readFileSync(join(__dirname, '..', '..', 'openapi.yaml'), 'utf8')).security).toEqual([
      { basicAuth: [] },
    ]);
  });

  test("validateCredentials takes the validator's Basic credentials, not the Portal's", () => {
    const document = parse(readFileSync(join(__dirname, '..', '..', 'openapi.yaml'), 'utf8')) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.paths['/v1/validateCredentials']?.post?.security).toEqual([{ validatorAuth: [] }]);
    expect(document.components.securitySchemes.validatorAuth).toMatchObject({
      type: 'http',
      scheme: 'basic',
    });
  });
});
