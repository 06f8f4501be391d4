/**
 * Property-based tests of the request parsers: hostile input (random bytes, invalid UTF-8, deep
 * nesting, huge numbers, long strings and arrays, prototype-pollution keys, odd headers, paths and
 * methods) through the whole webhook and through each parser on its own.
 *
 * fast-check draws a new seed on every run and shrinks a failure to a minimal input; its report
 * names the seed and path, and passing `{ seed, path }` to that fc.assert replays the failure.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import fc from 'fast-check';
import type { InMemoryApiKeys } from '../../lambda/adapters/local/in-memory-api-keys';
import { WebhookError } from '../../lambda/errors';
import { parseBasicAuthorization } from '../../lambda/http/auth';
import { readJsonObject } from '../../lambda/http/body';
import { validate } from '../../lambda/http/validate';
import {
  CreateCredentialsRequestSchema,
  CreateCredentialsResponseSchema,
  ErrorResponseSchema,
  RevokeCredentialsRequestSchema,
  UpdateCredentialsRequestSchema,
} from '../../lambda/schemas';
import type { Webhook, WebhookEvent } from '../../lambda/webhook';
import { basic, createRequest, event, PASSWORD, USERNAME } from '../support/events';
import { localWebhook } from '../support/webhook';

/** Requests of the webhook campaign: enough to reach every outcome, few enough to stay around a second. */
const CAMPAIGN_RUNS = 3000;
/** Inputs for each direct parser property. */
const PARSER_RUNS = 2000;

const PLAN = '1el57v';
const OTHER_PLAN = 'p2other';
const KEY_API = '5aba4csvd4';
const CLIENT_API = 'cl1entapi';
/** Not on the allow-list. */
const FORBIDDEN_PLAN = 'internal9';

// ---------------------------------------------------------------------------------------------
// Arbitraries of hostile input.
// ---------------------------------------------------------------------------------------------

const CHARACTER_POOLS: readonly string[] = [
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ' -_.:/@+=,;!?*%$#&~^`|',
  '"\\\'{}[]<>()',
  '\u0000\u0001\u0007\b\t\n\v\f\r\u001b\u007f',
  'éüßñçØ漢字Жعربي',
  '\u2028\u2029\u200b\ufeff\ufffd',
  // C1, soft hyphen, bidi overrides and isolates, joiners and other format characters: all refused.
  '\u0085\u009f\u00ad\u0600\u061c\u202a\u202e\u2066\u2069\u200d\u2060\u2064\u180e\ufff9',
];
/** Emoji and letters outside the BMP, and format characters there (tags, shorthand and music controls). */
const ASTRAL = ['😀', '𝔘', '🏳️‍🌈', '\u{e0001}', '\u{e0041}', '\u{1bca0}', '\u{1d173}', '\u{110bd}'];
/** What text fields refuse: controls, format characters, line and paragraph separators. */
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
/**
 * Unassigned code points are left out: the schema refuses some (U+2065, inside a refused range)
 * and Unicode assigns new ones, so no fixed oracle holds for them.
 */
const UNASSIGNED = /\p{Cn}/u;

/** The characters that break parsers most often, as units of fc.string. */
const hostileCharacter = fc.constantFrom(...CHARACTER_POOLS.flatMap((pool) => [...pool]), ...ASTRAL);
/** Any assigned code point, so that the properties do not rest on the hand-picked pools alone. */
const anyCodePoint = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 1 })
  .filter((char) => !UNASSIGNED.test(char));
const wellFormedUnit = fc.oneof(
  { weight: 4, arbitrary: hostileCharacter },
  { weight: 1, arbitrary: anyCodePoint },
);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const anyUnit = fc.oneof({ weight: 19, arbitrary: wellFormedUnit }, { weight: 1, arbitrary: loneSurrogate });

/** Text of up to `maxLength` characters; lone surrogates only when not `wellFormed`. */
const text = (maxLength: number, wellFormed = false): fc.Arbitrary<string> =>
  fc.string({ unit: wellFormed ? wellFormedUnit : anyUnit, maxLength });

const bytes = (maxLength: number, minLength = 0): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength, maxLength }).map((array) => Buffer.from(array));

/** `value` in a mix of upper and lower case: one flag per character, lower where flags run out. */
const mixedCase = (value: string, upper: readonly boolean[]): string =>
  [...value].map((char, index) => (upper[index] ? char.toUpperCase() : char.toLowerCase())).join('');
const casing = (value: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { maxLength: value.length }).map((upper) => mixedCase(value, upper));

/** 1 in `odds` true: a rare variant that shrinks away to false. */
const rarely = (odds: number): fc.Arbitrary<boolean> =>
  fc.oneof({ weight: odds - 1, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

/** Number literals JSON.parse reads without complaint but that no schema expects. */
const NUMBER_LITERALS = [
  '0',
  '-0',
  '-0.0',
  '1e400',
  '-1e400',
  '1e-400',
  '4.9e-324',
  '1.7976931348623157e308',
  '123456789012345678901234567890',
  '-9007199254740993',
  '1E+2',
];
/** Keys of the contract, and keys that pollute a prototype when merged naively. */
const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype'];
const KEYS = [
  'appName',
  'appSlug',
  'developer',
  'apis',
  'id',
  'usagePlans',
  'credentialType',
  'apiKeyId',
  'apiKey',
  'clientId',
  'clientSecret',
  'customCredentials',
  ...POLLUTING_KEYS,
  'toString',
  'valueOf',
  'hasOwnProperty',
  'polluted',
];
/** Properties a successful pollution would plant on Object.prototype. */
const POLLUTION_MARKERS = ['polluted', 'isAdmin'] as const;

const jsonObject = (entries: ReadonlyArray<readonly [string, string]>): string =>
  `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;

/** JSON that would plant a marker on Object.prototype if anything merged it carelessly. */
const pollutionPayload: fc.Arbitrary<string> = fc.constantFrom(...POLLUTION_MARKERS).chain((name) => {
  const marker = JSON.stringify(name);
  return fc.constantFrom(
    `{"__proto__":{${marker}:1}}`,
    `{"constructor":{"prototype":{${marker}:true}}}`,
    `{"prototype":{${marker}:"yes"}}`,
    `{"__proto__":{"__proto__":{${marker}:[1]}}}`,
  );
});

const jsonScalar: fc.Arbitrary<string> = fc.oneof(
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NUMBER_LITERALS) },
    { weight: 2, arbitrary: fc.integer({ min: -(2 ** 30), max: 2 ** 30 }).map(String) },
  ),
  text(24).map((value) => JSON.stringify(value)),
  fc.constantFrom('true', 'false', 'null'),
  fc.constantFrom(PLAN, OTHER_PLAN, KEY_API, CLIENT_API, 'a1', '', 'API_KEY').map((id) => JSON.stringify(id)),
);

const jsonTextByDepth = new Map<number, fc.Arbitrary<string>>();
/**
 * Random JSON text: anything JSON.parse accepts, built as text so that 1e400 and duplicate keys
 * survive; fc.jsonValue adds shapes the hand-made branches do not think of.
 */
function jsonText(depth: number): fc.Arbitrary<string> {
  const cached = jsonTextByDepth.get(depth);
  if (cached !== undefined) return cached;
  const inner = depth <= 0 ? undefined : jsonText(depth - 1);
  const arbitrary =
    inner === undefined
      ? jsonScalar
      : fc.oneof(
          { weight: 4, arbitrary: jsonScalar },
          { weight: 1, arbitrary: fc.array(inner, { maxLength: 4 }).map((items) => `[${items.join(',')}]`) },
          { weight: 1, arbitrary: pollutionPayload },
          {
            weight: 1,
            arbitrary: fc.array(fc.tuple(fc.constantFrom(...KEYS), inner), { maxLength: 4 }).map(jsonObject),
          },
          {
            weight: 1,
            arbitrary: fc.jsonValue({ maxDepth: Math.min(depth, 2) }).map((value) => JSON.stringify(value)),
          },
        );
  jsonTextByDepth.set(depth, arbitrary);
  return arbitrary;
}

/** 10,000 levels fit the 64 KiB limit as `[[[…]]]` or `{"a":{"a":…}}`; polluting keys nest less deep. */
const deeplyNested: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('a', 'apis', ...POLLUTING_KEYS), fc.boolean())
  .map(([key, asArray]) => {
    const levels = key.length <= 4 ? 10_000 : 4_000;
    return asArray
      ? '['.repeat(levels) + ']'.repeat(levels)
      : `${`{${JSON.stringify(key)}:`.repeat(levels)}null${'}'.repeat(levels)}`;
  });

type Operation = 'create' | 'update' | 'revoke' | 'health';

const ENDPOINTS: Readonly<Record<Operation, { readonly method: string; readonly path: string }>> = {
  create: { method: 'POST', path: '/v1/createCredentials' },
  update: { method: 'POST', path: '/v1/updateCredentials' },
  revoke: { method: 'POST', path: '/v1/revokeCredentials' },
  health: { method: 'GET', path: '/v1/health' },
};
const BODY_OPERATIONS: readonly Operation[] = ['create', 'update', 'revoke'];

type Fields = Array<[string, string]>;

/** Builds an operation's arbitrary once, not on every run of a chain that picks the operation. */
function perOperation<T>(
  build: (operation: Operation) => fc.Arbitrary<T>,
): (operation: Operation) => fc.Arbitrary<T> {
  const built = new Map<Operation, fc.Arbitrary<T>>();
  return (operation) => {
    const cached = built.get(operation) ?? build(operation);
    built.set(operation, cached);
    return cached;
  };
}

/** Mostly well-formed apps; some that the services refuse (mixed kinds, a plan off the allow-list). */
const API_CHOICES = [
  [{ id: KEY_API, usagePlans: [{ id: PLAN }] }],
  [{ id: KEY_API, usagePlans: [{ id: OTHER_PLAN }] }],
  [{ id: CLIENT_API }],
  [{ id: KEY_API, usagePlans: [{ id: PLAN }] }, { id: CLIENT_API }],
  [{ id: KEY_API, usagePlans: [{ id: FORBIDDEN_PLAN }] }],
];

/** A request body the operation accepts, as [key, JSON text] entries ready to be mutated. */
const validFields = perOperation(
  (operation): fc.Arbitrary<Fields> =>
    fc
      .record({
        apis: fc.oneof(
          { weight: 2, arbitrary: fc.constant(API_CHOICES[0] ?? []) },
          { weight: 4, arbitrary: fc.constantFrom(...API_CHOICES) },
        ),
        appName: fc.oneof(
          fc.constant('my app'),
          text(40, true).map((name) => name || 'x'),
        ),
        slug: fc.nat(49),
        apiKeyId: fc.constantFrom('k1a2b3', 'abc123def0'),
      })
      .map(({ apis, appName, slug, apiKeyId }) => {
        const app: Fields = [
          ['appName', JSON.stringify(appName)],
          ['appSlug', JSON.stringify(`fuzz-${slug}`)],
          ['developer', JSON.stringify('dev@example.com')],
          ['apis', JSON.stringify(apis)],
        ];
        const ref: Fields =
          apis[0]?.id === KEY_API
            ? [
                ['credentialType', '"API_KEY"'],
                ['apiKeyId', JSON.stringify(apiKeyId)],
              ]
            : [
                ['credentialType', '"CLIENT_CREDENTIALS"'],
                ['clientId', JSON.stringify('c1d2e3f4')],
              ];
        if (operation === 'create') return app;
        if (operation === 'update') return [...app, ...ref];
        return ref;
      }),
);

/** One change to a body: a value replaced, a field dropped or duplicated, a key added. */
type Change =
  | { readonly kind: 'replace' | 'duplicate'; readonly at: number; readonly value: string }
  | { readonly kind: 'drop'; readonly at: number }
  | { readonly kind: 'add'; readonly key: string; readonly value: string };

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(9), value: jsonText(3) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat(9) }),
  // A duplicate key: JSON.parse keeps the last one.
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(9), value: jsonText(2) }),
  fc.record({
    kind: fc.constant('add' as const),
    key: fc.constantFrom(...POLLUTING_KEYS),
    value: pollutionPayload,
  }),
  fc.record({ kind: fc.constant('add' as const), key: fc.constantFrom(...KEYS), value: jsonText(3) }),
);

function applied(fields: Fields, changes: readonly Change[]): Fields {
  const out = [...fields];
  for (const step of changes) {
    if (step.kind === 'add') {
      out.push([step.key, step.value]);
      continue;
    }
    const index = step.at % (out.length + 1);
    const field = out[index];
    if (step.kind === 'drop') out.splice(index, 1);
    else if (field === undefined) continue;
    else if (step.kind === 'replace') out[index] = [field[0], step.value];
    else out.push([field[0], step.value]);
  }
  return out;
}

/** A valid body with up to three random changes. */
const mutatedBody = perOperation((operation) =>
  fc
    .tuple(validFields(operation), fc.array(change, { maxLength: 3 }))
    .map(([fields, changes]) => jsonObject(applied(fields, changes))),
);

/** A valid create whose top level, API and usage plan all carry polluting keys. */
const pollutingRequest: fc.Arbitrary<string> = fc
  .tuple(fc.array(pollutionPayload, { minLength: 5, maxLength: 5 }), fc.constantFrom(...POLLUTING_KEYS))
  .map(([[plan = '', api = '', top = '', ctor = '', custom = ''], apiKey]) => {
    const usagePlan = jsonObject([
      ['id', JSON.stringify(PLAN)],
      ['__proto__', plan],
    ]);
    const apiRef = jsonObject([
      ['id', JSON.stringify(KEY_API)],
      ['usagePlans', `[${usagePlan}]`],
      [apiKey, api],
    ]);
    return jsonObject([
      ['__proto__', top],
      ['appName', '"polluter"'],
      ['developer', '"dev@example.com"'],
      ['apis', `[${apiRef}]`],
      ['constructor', ctor],
      ['customCredentials', custom],
    ]);
  });

interface GeneratedBody {
  readonly kind: string;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

/** A text body, in base64 one time in ten. */
const textBody = (kind: string, body: fc.Arbitrary<string>): fc.Arbitrary<GeneratedBody> =>
  fc.tuple(body, rarely(10)).map(([value, encoded]) =>
    encoded
      ? {
          kind: `${kind} (base64)`,
          body: Buffer.from(value, 'utf8').toString('base64'),
          isBase64Encoded: true,
        }
      : { kind, body: value, isBase64Encoded: false },
  );

const generatedBody = perOperation(
  (operation): fc.Arbitrary<GeneratedBody> =>
    fc.oneof(
      // Mostly invalid UTF-8 once decoded.
      bytes(2048).map((raw) => ({
        kind: 'random bytes',
        body: raw.toString('base64'),
        isBase64Encoded: true,
      })),
      bytes(512).map((raw) => ({
        kind: 'random latin1',
        body: raw.toString('latin1'),
        isBase64Encoded: false,
      })),
      textBody('random JSON', jsonText(5)),
      textBody(
        'deep nesting',
        fc.oneof(
          deeplyNested,
          fc
            .tuple(fc.constantFrom(...KEYS), deeplyNested, validFields(operation))
            .map(([key, nested, fields]) => jsonObject([[key, nested], ...fields])),
        ),
      ),
      textBody('polluting keys', pollutingRequest),
      textBody(
        'long string',
        fc
          .tuple(
            validFields(operation),
            fc.oneof(
              text(40, true),
              fc.nat(40_000).map((length) => 'é'.repeat(length)),
            ),
            fc.integer({ min: 1, max: 3 }),
          )
          .map(([fields, value, times]) =>
            jsonObject([...fields, ['appName', JSON.stringify(value.repeat(times))]]),
          ),
      ),
      // Up to 30,000 elements, ~60 KiB: within the default limit.
      textBody(
        'big array',
        fc
          .record({
            fields: validFields(operation),
            key: fc.constantFrom('apis', 'usagePlans', 'customCredentials'),
            element: fc.constantFrom('0', 'null', '{}', '-0', '1e400'),
            length: fc.integer({ min: 1, max: 30_000 }),
          })
          .map(({ fields, key, element, length }) =>
            jsonObject([...fields, [key, `[${Array(length).fill(element).join(',')}]`]]),
          ),
      ),
      textBody(
        'truncated JSON',
        fc.tuple(mutatedBody(operation), fc.nat()).map(([body, cut]) => body.slice(0, cut % body.length)),
      ),
      fc.constantFrom<GeneratedBody>(
        { kind: 'no body', body: null, isBase64Encoded: false },
        { kind: 'empty body', body: '', isBase64Encoded: false },
        { kind: 'empty body', body: '', isBase64Encoded: true },
        { kind: 'blank body', body: ' \r\n\t ', isBase64Encoded: false },
        { kind: 'not base64', body: '{"appName":"x"}', isBase64Encoded: true },
      ),
      { weight: 3, arbitrary: textBody('mutated request', mutatedBody(operation)) },
    ),
);

const base64 = (value: string): string => Buffer.from(value, 'utf8').toString('base64');
const spaces = (min: number, max: number): fc.Arbitrary<string> =>
  fc.integer({ min, max }).map((count) => ' '.repeat(count));

/** Authorization header values: valid, near misses, garbage, overlong and absent. */
const authorizationHeader: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc
    .tuple(casing('Basic'), spaces(1, 3), spaces(0, 2))
    .map(([scheme, before, after]) => `${scheme}${before}${base64(`${USERNAME}:${PASSWORD}`)}${after}`),
  bytes(200).map((raw) => `Basic ${raw.toString('base64')}`),
  text(60).map((value) => `Basic ${value}`),
  fc.oneof({ weight: 4, arbitrary: text(100) }, { weight: 1, arbitrary: text(6000) }),
  bytes(32, 32).map((raw) => `Bearer ${raw.toString('base64url')}`),
  fc.tuple(text(12), text(30)).map(([username, password]) => basic(username, password)),
  fc
    .constantFrom(`${PASSWORD}x`, PASSWORD.slice(0, -1), `x${PASSWORD.slice(1)}`, '')
    .map((password) => basic(USERNAME, password)),
  fc.integer({ min: 1, max: 4 }).map((pad) => `Basic ${base64(`${USERNAME}:${PASSWORD}`)}${'='.repeat(pad)}`),
  fc
    .tuple(fc.constantFrom('', '\t', ' '), text(50))
    .map(([separator, value]) => `Basic${separator}${base64(value)}`),
);

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON;charset="UTF-8"',
  'application/json ; charset=utf-8',
];
const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/json; charset=latin1',
  'application/jsonx',
  'application/json, text/plain',
  'multipart/form-data; boundary=x',
  '',
];
const HEADER_NAMES = [
  ...POLLUTING_KEYS,
  'toString',
  'hasOwnProperty',
  'x-correlation-id',
  'X-Correlation-ID',
  'X-Forwarded-For',
  'AUTHORIZATION',
  'content-TYPE',
];

const extraHeader: fc.Arbitrary<[string, string]> = fc
  .record({
    name: fc.oneof(
      { weight: 7, arbitrary: fc.constantFrom(...HEADER_NAMES) },
      { weight: 3, arbitrary: text(20, true).map((name) => name || 'x') },
    ),
    upper: fc.array(fc.boolean(), { maxLength: 20 }),
    value: fc.oneof(text(60), text(8, true)),
  })
  .map(({ name, upper, value }) => [mixedCase(name, upper), value]);

const generatedHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record({
    authorizationName: casing('authorization'),
    authorization: fc.oneof(
      { weight: 3, arbitrary: fc.constant(basic()) },
      { weight: 1, arbitrary: authorizationHeader },
    ),
    contentTypeName: casing('content-type'),
    contentType: fc.option(
      fc.oneof(
        { weight: 7, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        { weight: 2, arbitrary: fc.constantFrom(...WRONG_CONTENT_TYPES) },
        { weight: 1, arbitrary: text(30) },
      ),
      { freq: 10 },
    ),
    extra: fc.array(extraHeader, { maxLength: 3 }),
  })
  .map(({ authorizationName, authorization, contentTypeName, contentType, extra }) => {
    const entries: Array<[string, string]> = [];
    if (authorization !== undefined) entries.push([authorizationName, authorization]);
    if (contentType !== null) entries.push([contentTypeName, contentType]);
    // fromEntries defines each key as data, as the Lambda runtime's JSON.parse does: "__proto__" included.
    return Object.fromEntries([...entries, ...extra]);
  });

const ODD_PATHS = [
  '/',
  '',
  '/v1',
  '/v1/',
  '/v1/health/..',
  '/V1/HEALTH',
  '/__proto__',
  '/constructor',
  '/v1/__proto__',
  '/v1/createCredentials/extra',
  '/v1//createCredentials',
  '/%2e%2e/v1/health',
  'v1/health',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'post', 'get', '', '__proto__'];

const generatedEvent: fc.Arbitrary<WebhookEvent> = fc
  .oneof(
    { weight: 6, arbitrary: fc.constantFrom(...BODY_OPERATIONS) },
    { weight: 1, arbitrary: fc.constant<Operation>('health') },
  )
  .chain((operation) => {
    const endpoint = ENDPOINTS[operation];
    return fc.record({
      httpMethod: fc.oneof(
        { weight: 17, arbitrary: fc.constant(endpoint.method) },
        { weight: 2, arbitrary: fc.constantFrom(...METHODS) },
        { weight: 1, arbitrary: text(10) },
      ),
      path: fc.oneof(
        {
          weight: 8,
          arbitrary: fc
            .oneof(
              { weight: 9, arbitrary: fc.constant(0) },
              { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
            )
            .map((slashes) => endpoint.path + '/'.repeat(slashes)),
        },
        { weight: 1, arbitrary: fc.constantFrom(...ODD_PATHS) },
        {
          weight: 1,
          arbitrary: fc
            .oneof({ weight: 9, arbitrary: text(40) }, { weight: 1, arbitrary: text(1000) })
            .map((value) => `/${value}`),
        },
      ),
      headers: generatedHeaders,
      body: generatedBody(operation),
      requestContext: fc.oneof(
        fc.constant(undefined),
        fc.nat(999_999).map((id) => ({ requestId: `fuzz-${id}` })),
        fc
          .tuple(text(20), fc.nat(255))
          .map(([requestId, host]) => ({ requestId, identity: { sourceIp: `198.51.100.${host}` } })),
      ),
    });
  })
  .map(({ body, ...request }) => ({ ...request, body: body.body, isBase64Encoded: body.isBase64Encoded }));

// ---------------------------------------------------------------------------------------------
// The webhook under test: composeWebhook over the in-process adapters.
// ---------------------------------------------------------------------------------------------

function setup(options: { maxBodyBytes?: number } = {}) {
  return localWebhook({
    allowedUsagePlanIds: [PLAN, OTHER_PLAN],
    clientCredentialApis: [CLIENT_API],
    ...options,
  });
}

const post = (path: string, json: unknown): WebhookEvent => event({ path, json });

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Create, repeat, update, revoke and update-after-revoke of one app, reduced to what does not
 * depend on the generated ids, so that two runs can be compared.
 */
async function lifecycle(webhook: Webhook, keys: InMemoryApiKeys, appSlug: string) {
  const request = createRequest({ appSlug, apis: [{ id: KEY_API, usagePlans: [{ id: PLAN }] }] });
  const created = await webhook(post('/v1/createCredentials', request));
  const credential = CreateCredentialsResponseSchema.safeParse(jsonOf(created.body));
  const apiKeyId =
    credential.success && credential.data.credentialType === 'API_KEY' ? credential.data.apiKeyId : 'none';
  const plansAfterCreate = await keys.listUsagePlansOfKey(apiKeyId);
  const repeated = await webhook(post('/v1/createCredentials', request));
  const moved = { ...request, apis: [{ id: KEY_API, usagePlans: [{ id: OTHER_PLAN }] }] };
  const updated = await webhook(
    post('/v1/updateCredentials', { ...moved, credentialType: 'API_KEY', apiKeyId }),
  );
  const plansAfterUpdate = await keys.listUsagePlansOfKey(apiKeyId);
  const revoked = await webhook(post('/v1/revokeCredentials', { credentialType: 'API_KEY', apiKeyId }));
  const keyAfterRevoke = await keys.findKey(apiKeyId);
  const updatedAfterRevoke = await webhook(post('/v1/updateCredentials', { ...moved, apiKeyId }));
  return {
    create: { status: created.statusCode, fields: Object.keys(credential.data ?? {}).sort() },
    plansAfterCreate,
    repeat: { status: repeated.statusCode, sameCredential: repeated.body === created.body },
    update: { status: updated.statusCode, body: updated.body },
    plansAfterUpdate,
    revoke: { status: revoked.statusCode, body: revoked.body },
    keyGoneAfterRevoke: keyAfterRevoke === undefined,
    updateAfterRevoke: {
      status: updatedAfterRevoke.statusCode,
      code: ErrorResponseSchema.safeParse(jsonOf(updatedAfterRevoke.body)).data?.code,
    },
  };
}

const prototypeKeys = () => ({
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  function: Object.getOwnPropertyNames(Function.prototype).sort(),
});

/** Where a response ends: its status, and the code of an error body. */
function outcomeOf(response: APIGatewayProxyResult): string {
  const code = ErrorResponseSchema.safeParse(jsonOf(response.body)).data?.code;
  return code === undefined ? String(response.statusCode) : `${response.statusCode} ${code}`;
}

/** A stack frame, as Node prints them: "    at fn (file:line:column)". */
const STACK_FRAME = /\n\s+at [^\n]+:\d+:\d+/;

/** Everything the contract says of any response, whatever the request. */
function expectWithinContract(response: APIGatewayProxyResult): void {
  const { statusCode, body } = response;
  expect(statusCode === 200 || statusCode === 204 || (statusCode >= 400 && statusCode < 500)).toBe(true);
  if (statusCode === 204) expect(body).toBe('');
  if (statusCode === 200) expect(CreateCredentialsResponseSchema.safeParse(jsonOf(body)).success).toBe(true);
  if (statusCode >= 400) expect(ErrorResponseSchema.safeParse(jsonOf(body)).success).toBe(true);
  expect(response.headers?.['Cache-Control']).toBe('no-store');
  for (const secret of [PASSWORD, basic().slice('Basic '.length)]) expect(body).not.toContain(secret);
  expect(body).not.toMatch(STACK_FRAME);
}

describe(`the webhook under ${CAMPAIGN_RUNS} generated requests`, () => {
  const { webhook, keys } = setup();
  /** The outcomes the campaign reached; the tests after it read them and the state it left. */
  const seen = new Set<string>();
  let before: Awaited<ReturnType<typeof lifecycle>>;
  let prototypesBefore: ReturnType<typeof prototypeKeys>;

  beforeAll(async () => {
    before = await lifecycle(webhook, keys, 'lifecycle-before-fuzz');
    prototypesBefore = prototypeKeys();
  });

  test('resolves every request with a 200 credential, an empty 204 or a 4xx error body, no-store, and no secret or stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(generatedEvent, async (request) => {
        const response = await webhook(request);
        seen.add(outcomeOf(response));
        expectWithinContract(response);
      }),
      { numRuns: CAMPAIGN_RUNS },
    );
  });

  test('reaches every parser: routing, authentication, media type, size, syntax, schema and the services', () => {
    expect([...seen]).toEqual(
      expect.arrayContaining([
        '200',
        '204',
        '400 MALFORMED_JSON',
        '400 INVALID_REQUEST',
        '401 UNAUTHORIZED',
        '404 ROUTE_NOT_FOUND',
        '404 CREDENTIAL_NOT_FOUND',
        '405 METHOD_NOT_ALLOWED',
        '413 PAYLOAD_TOO_LARGE',
        '415 UNSUPPORTED_MEDIA_TYPE',
        '422 MIXED_CREDENTIAL_TYPES',
        '422 USAGE_PLAN_NOT_ALLOWED',
      ]),
    );
  });

  test('leaves Object.prototype, Array.prototype and Function.prototype as they were', () => {
    expect(prototypeKeys()).toEqual(prototypesBefore);
  });

  test.each(POLLUTION_MARKERS)('plants no %s property on plain objects', (marker) => {
    const plain: Record<string, unknown> = {};

    expect(plain[marker]).toBeUndefined();
  });

  test('answers create, repeat, update and revoke afterwards exactly as before the run', async () => {
    const after = await lifecycle(webhook, keys, 'lifecycle-after-fuzz');

    expect(after).toEqual(before);
    expect(after.create.status).toBe(200);
  });
});

describe('the webhook and arrays of 100,000 elements (within a raised body limit)', () => {
  /** Lambda's payload limit is 6 MB: a deployment could raise the webhook's limit this far. */
  const LARGE_LIMIT = 4 * 1024 * 1024;
  const many = (element: string): string => `[${Array.from({ length: 100_000 }, () => element).join(',')}]`;

  test.each([
    ['numbers', '0'],
    ['valid API references', `{"id":"${KEY_API}"}`],
    ['polluting objects', '{"__proto__":{"polluted":1}}'],
  ])('answers 400 INVALID_REQUEST with at most 50 details to 100,000 %s as apis', async (_kind, element) => {
    const { webhook } = setup({ maxBodyBytes: LARGE_LIMIT });
    const body = `{"appName":"app","developer":"dev@example.com","apis":${many(element)}}`;

    const response = await webhook(event({ body }));

    expect(response.statusCode).toBe(400);
    expect(ErrorResponseSchema.parse(jsonOf(response.body)).details.length).toBeLessThanOrEqual(50);
  });

  test('answers 400 (body) to a top-level array of 100,000 elements', async () => {
    const { webhook } = setup({ maxBodyBytes: LARGE_LIMIT });

    const response = await webhook(event({ body: many('null') }));

    expect(ErrorResponseSchema.parse(jsonOf(response.body))).toMatchObject({
      code: 'INVALID_REQUEST',
      details: [{ field: '(body)' }],
    });
  });

  test('answers 413 to the same array under the default limit', async () => {
    const { webhook } = setup();

    const response = await webhook(event({ body: many('null') }));

    expect(response.statusCode).toBe(413);
  });
});

// ---------------------------------------------------------------------------------------------
// The parsers on their own.
// ---------------------------------------------------------------------------------------------

type BodyEvent = Parameters<typeof readJsonObject>[0];

const anyOperationBody = fc.constantFrom(...BODY_OPERATIONS).chain(generatedBody);

describe('readJsonObject', () => {
  const asBody = (body: string, isBase64Encoded = false): BodyEvent => ({
    headers: { 'Content-Type': 'application/json' },
    body,
    isBase64Encoded,
  });

  test('returns a plain object or throws a 400, 413 or 415 for any body and headers', () => {
    fc.assert(
      fc.property(anyOperationBody, generatedHeaders, (body, headers) => {
        try {
          const value = readJsonObject({ ...body, headers });
          expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
        } catch (error) {
          if (!(error instanceof WebhookError) || ![400, 413, 415].includes(error.status)) throw error;
        }
      }),
      { numRuns: PARSER_RUNS },
    );
  });

  test('decodes any bytes inside a JSON string to text, invalid UTF-8 included', () => {
    // Bytes that cannot end the string early: no quote, backslash or control character.
    const stringBytes = bytes(64, 1).map((raw) =>
      raw.map((byte) => (byte < 0x20 || byte === 0x22 || byte === 0x5c ? 0x78 : byte)),
    );

    fc.assert(
      fc.property(stringBytes, (raw) => {
        const body = Buffer.concat([Buffer.from('{"appName":"'), raw, Buffer.from('"}')]).toString('base64');

        expect(typeof readJsonObject(asBody(body, true)).appName).toBe('string');
      }),
      { numRuns: 200 },
    );
  });

  test('parses 10,000 levels of nesting without overflowing the stack', () => {
    const body = `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;

    expect(readJsonObject(asBody(body))).toHaveProperty('a');
  });

  test('reads 1e400 as Infinity and -0 as -0 instead of failing', () => {
    expect(readJsonObject(asBody('{"big":1e400,"small":-1e400,"zero":-0}'))).toEqual({
      big: Number.POSITIVE_INFINITY,
      small: Number.NEGATIVE_INFINITY,
      zero: -0,
    });
  });

  test('keeps __proto__, constructor and prototype as plain own keys of a plain object', () => {
    const value = readJsonObject(
      asBody(
        '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1}}',
      ),
    );

    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(value.polluted).toBeUndefined();
  });
});

describe('parseBasicAuthorization', () => {
  test('returns undefined or a username and password for any header value, and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(authorizationHeader, text(300)), (header) => {
        const parsed = parseBasicAuthorization(header);

        if (parsed !== undefined) {
          expect(typeof parsed.username).toBe('string');
          expect(typeof parsed.password).toBe('string');
        }
      }),
      { numRuns: PARSER_RUNS },
    );
  });

  test("reads back any username without a colon and any password, whatever the scheme's case and spacing", () => {
    const credentials = fc.record({
      username: text(30, true).map((username) => username.replaceAll(':', '')),
      password: text(60, true),
    });

    fc.assert(
      fc.property(credentials, casing('basic'), spaces(1, 3), spaces(0, 2), (pair, scheme, before, after) => {
        const encoded = base64(`${pair.username}:${pair.password}`);

        expect(parseBasicAuthorization(`${scheme}${before}${encoded}${after}`)).toEqual(pair);
      }),
      { numRuns: 500 },
    );
  });
});

/** The error `validate` throws; fails the test when it throws none or another kind. */
function validationError(schema: Parameters<typeof validate>[0], value: unknown): WebhookError {
  try {
    validate(schema, value);
  } catch (error) {
    if (error instanceof WebhookError) return error;
    throw error;
  }
  throw new Error('expected validate to throw');
}

describe('validate', () => {
  const schemas = [
    ['CreateCredentialsRequest', CreateCredentialsRequestSchema],
    ['UpdateCredentialsRequest', UpdateCredentialsRequestSchema],
    ['RevokeCredentialsRequest', RevokeCredentialsRequestSchema],
  ] as const;
  const anyJson = fc.oneof(
    { weight: 7, arbitrary: fc.constantFrom(...BODY_OPERATIONS).chain(mutatedBody) },
    { weight: 3, arbitrary: jsonText(5) },
  );

  test.each(schemas)(
    '%s: returns a value or throws 400 INVALID_REQUEST with 1 to 50 details for any JSON value',
    (_name, schema) => {
      fc.assert(
        fc.property(anyJson, (json) => {
          const value: unknown = JSON.parse(json);
          try {
            validate(schema, value);
          } catch (error) {
            if (!(error instanceof WebhookError)) throw error;
            expect(error).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
            expect(error.details.length).toBeGreaterThanOrEqual(1);
            expect(error.details.length).toBeLessThanOrEqual(50);
            for (const detail of error.details) {
              expect(typeof detail.field).toBe('string');
              expect(typeof detail.message).toBe('string');
            }
          }
        }),
        { numRuns: PARSER_RUNS },
      );
    },
  );

  test('refuses an appName or developer exactly when it is empty or holds a control or format character', () => {
    let refusals = 0;

    fc.assert(
      fc.property(fc.constantFrom('appName', 'developer'), text(60, true), (field, value) => {
        const result = CreateCredentialsRequestSchema.safeParse({ ...createRequest(), [field]: value });
        const refused = result.error?.issues.some((issue) => issue.path.join('.') === field) ?? false;
        if (refused) refusals += 1;

        expect(refused).toBe(value.length === 0 || CONTROL_OR_FORMAT.test(value));
      }),
      { numRuns: PARSER_RUNS },
    );
    // Both verdicts occur, so the oracle is not vacuous.
    expect(refusals).toBeGreaterThan(PARSER_RUNS / 10);
    expect(refusals).toBeLessThan(PARSER_RUNS);
  });

  test('returns a create request without the polluting keys and with plain prototypes, whatever they hold', () => {
    fc.assert(
      fc.property(pollutingRequest, (json) => {
        const request = validate(CreateCredentialsRequestSchema, JSON.parse(json));

        expect(Object.hasOwn(request, '__proto__')).toBe(false);
        expect([request, ...request.apis].map((value) => Object.getPrototypeOf(value))).toEqual([
          Object.prototype,
          Object.prototype,
        ]);
        expect(Reflect.get(request, 'polluted')).toBeUndefined();
        expect(Reflect.get(request, 'isAdmin')).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  test('returns customCredentials holding __proto__ as a plain object without inherited markers', () => {
    const request = validate(
      RevokeCredentialsRequestSchema,
      JSON.parse(
        '{"apiKeyId":"k1a2b3","customCredentials":{"__proto__":{"polluted":1},"apiKeyHeader":"x-api-key"}}',
      ),
    );

    expect(Object.getPrototypeOf(request.customCredentials)).toBe(Object.prototype);
    expect(request.customCredentials?.polluted).toBeUndefined();
  });

  test('reports between 1 and 50 problems, apis among them, for 100,000 invalid APIs', () => {
    const apis = Array.from({ length: 100_000 }, () => ({ id: 'bad id' }));

    const error = validationError(CreateCredentialsRequestSchema, createRequest({ apis }));

    expect(error.details.length).toBeGreaterThanOrEqual(1);
    expect(error.details.length).toBeLessThanOrEqual(50);
    expect(error.details.map((detail) => detail.field)).toContain('apis');
  });
});
