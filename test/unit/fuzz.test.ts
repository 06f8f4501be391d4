/**
 * Fuzz-style tests of the request parsers: generated hostile input (random bytes, invalid UTF-8,
 * deep nesting, huge numbers, long strings and arrays, prototype-pollution keys, odd headers,
 * paths and methods) through the whole webhook and through each parser on its own.
 *
 * The generator is a seeded PRNG, so every run sees the same cases; a failing case is named by its
 * index, and `FUZZ_SEED=<n> npx jest --selectProjects unit --testPathPatterns fuzz` explores another seed.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { InMemoryApiKeys } from '../../lambda/adapters/local/in-memory-api-keys';
import { InMemoryClients } from '../../lambda/adapters/local/in-memory-clients';
import { InMemoryLedger } from '../../lambda/adapters/local/in-memory-ledger';
import { StaticCredentials } from '../../lambda/adapters/static-credentials';
import { ApiKeyService } from '../../lambda/credentials/api-key-service';
import { ClientCredentialsService } from '../../lambda/credentials/client-credentials-service';
import { CredentialService } from '../../lambda/credentials/credential-service';
import { IdempotentCredentials } from '../../lambda/credentials/idempotency';
import { WebhookError } from '../../lambda/errors';
import { BasicAuthenticator, parseBasicAuthorization } from '../../lambda/http/auth';
import { readJsonObject } from '../../lambda/http/body';
import { validate } from '../../lambda/http/validate';
import {
  CreateCredentialsRequestSchema,
  CreateCredentialsResponseSchema,
  ErrorResponseSchema,
  RevokeCredentialsRequestSchema,
  UpdateCredentialsRequestSchema,
} from '../../lambda/schemas';
import { createWebhook, type Webhook, type WebhookEvent } from '../../lambda/webhook';
import { basic, createRequest, event, PASSWORD, USERNAME } from '../support/events';
import { INSTANCE } from '../support/ledger';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
/** Requests of the webhook campaign: enough to hit every branch, few enough to stay around a second. */
const CAMPAIGN_CASES = 3000;
/** Inputs for each direct parser test. */
const PARSER_CASES = 2000;

const PLAN = '1el57v';
const OTHER_PLAN = 'p2other';
const KEY_API = '5aba4csvd4';
const CLIENT_API = 'cl1entapi';
/** Not on the allow-list. */
const FORBIDDEN_PLAN = 'internal9';

// ---------------------------------------------------------------------------------------------
// A seeded PRNG and generators of hostile input.
// ---------------------------------------------------------------------------------------------

/** mulberry32: 32 bits of state, good enough to spread test cases and trivially reproducible. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

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
const LONE_SURROGATES = ['\ud800', '\udfff', '\udbff'];

class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [0, below). */
  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    // In bounds, so an element of T (which may itself include undefined).
    return items[this.int(items.length)] as T;
  }

  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.int(256)));
  }

  /** Text of up to `maxLength` code units; lone surrogates only when not `wellFormed`. */
  text(maxLength: number, wellFormed = false): string {
    const length = this.int(maxLength + 1);
    let out = '';
    while (out.length < length) {
      const roll = this.int(20);
      if (roll === 0) out += this.pick(ASTRAL);
      else if (roll === 1 && !wellFormed) out += this.pick(LONE_SURROGATES);
      else out += this.pick([...this.pick(CHARACTER_POOLS)]);
    }
    return out;
  }

  /** The same letters in a random mix of upper and lower case. */
  casing(value: string): string {
    return [...value].map((char) => (this.chance(0.5) ? char.toUpperCase() : char.toLowerCase())).join('');
  }
}

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

/** JSON that would plant the markers on Object.prototype if anything merged it carelessly. */
function pollutionPayload(random: Random): string {
  const marker = JSON.stringify(random.pick(POLLUTION_MARKERS));
  return random.pick([
    `{"__proto__":{${marker}:1}}`,
    `{"constructor":{"prototype":{${marker}:true}}}`,
    `{"prototype":{${marker}:"yes"}}`,
    `{"__proto__":{"__proto__":{${marker}:[1]}}}`,
  ]);
}

/** Random JSON text: anything JSON.parse accepts, built as text so that 1e400 and duplicates survive. */
function jsonValue(random: Random, depth: number): string {
  switch (random.int(depth <= 0 ? 4 : 7)) {
    case 0:
      return random.chance(0.6) ? random.pick(NUMBER_LITERALS) : String(random.int(2 ** 31) - 2 ** 30);
    case 1:
      return JSON.stringify(random.text(24));
    case 2:
      return random.pick(['true', 'false', 'null']);
    case 3:
      return JSON.stringify(random.pick([PLAN, OTHER_PLAN, KEY_API, CLIENT_API, 'a1', '', 'API_KEY']));
    case 4:
      return `[${Array.from({ length: random.int(5) }, () => jsonValue(random, depth - 1)).join(',')}]`;
    case 5:
      return pollutionPayload(random);
    default:
      return jsonObject(
        Array.from({ length: random.int(5) }, () => [random.pick(KEYS), jsonValue(random, depth - 1)]),
      );
  }
}

const jsonObject = (entries: ReadonlyArray<readonly [string, string]>): string =>
  `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;

/** 10,000 levels fit the 64 KiB limit as `[[[…]]]` or `{"a":{"a":…}}`; polluting keys nest less deep. */
function deeplyNested(random: Random): string {
  const key = random.pick(['a', 'apis', ...POLLUTING_KEYS]);
  const levels = key.length <= 4 ? 10_000 : 4_000;
  return random.chance(0.5)
    ? '['.repeat(levels) + ']'.repeat(levels)
    : `${`{${JSON.stringify(key)}:`.repeat(levels)}null${'}'.repeat(levels)}`;
}

type Operation = 'create' | 'update' | 'revoke' | 'health';

const ENDPOINTS: Readonly<Record<Operation, { readonly method: string; readonly path: string }>> = {
  create: { method: 'POST', path: '/v1/createCredentials' },
  update: { method: 'POST', path: '/v1/updateCredentials' },
  revoke: { method: 'POST', path: '/v1/revokeCredentials' },
  health: { method: 'GET', path: '/v1/health' },
};

/** A request body the operation accepts, as [key, JSON text] entries ready to be mutated. */
function validFields(random: Random, operation: Operation): Array<[string, string]> {
  // Mostly well-formed apps; some that the services refuse (mixed kinds, a plan off the allow-list).
  const apis = random.pick([
    [{ id: KEY_API, usagePlans: [{ id: PLAN }] }],
    [{ id: KEY_API, usagePlans: [{ id: OTHER_PLAN }] }],
    [{ id: KEY_API, usagePlans: [{ id: PLAN }] }],
    [{ id: CLIENT_API }],
    [{ id: KEY_API, usagePlans: [{ id: PLAN }] }, { id: CLIENT_API }],
    [{ id: KEY_API, usagePlans: [{ id: FORBIDDEN_PLAN }] }],
  ]);
  const app: Array<[string, string]> = [
    ['appName', JSON.stringify(random.pick(['my app', random.text(40, true) || 'x']))],
    ['appSlug', JSON.stringify(`fuzz-${random.int(50)}`)],
    ['developer', JSON.stringify('dev@example.com')],
    ['apis', JSON.stringify(apis)],
  ];
  const ref: Array<[string, string]> =
    apis[0]?.id === KEY_API
      ? [
          ['credentialType', '"API_KEY"'],
          ['apiKeyId', JSON.stringify(random.pick(['k1a2b3', 'abc123def0']))],
        ]
      : [
          ['credentialType', '"CLIENT_CREDENTIALS"'],
          ['clientId', JSON.stringify('c1d2e3f4')],
        ];
  if (operation === 'create') return app;
  if (operation === 'update') return [...app, ...ref];
  return ref;
}

/** A valid body with a few random changes: values replaced, fields dropped, duplicated or added. */
function mutatedBody(random: Random, operation: Operation): string {
  const fields = validFields(random, operation);
  for (let change = random.int(4); change > 0; change--) {
    const index = random.int(fields.length + 1);
    const field = fields[index];
    switch (random.int(5)) {
      case 0:
        if (field !== undefined) fields[index] = [field[0], jsonValue(random, 3)];
        break;
      case 1:
        fields.splice(index, 1);
        break;
      case 2:
        // A duplicate key: JSON.parse keeps the last one.
        if (field !== undefined) fields.push([field[0], jsonValue(random, 2)]);
        break;
      case 3:
        fields.push([random.pick(POLLUTING_KEYS), pollutionPayload(random)]);
        break;
      default:
        fields.push([random.pick(KEYS), jsonValue(random, 3)]);
    }
  }
  return jsonObject(fields);
}

/** A valid create whose top level, API and usage plan all carry polluting keys. */
function pollutingRequest(random: Random): string {
  const payload = (): string => pollutionPayload(random);
  const plan = jsonObject([
    ['id', JSON.stringify(PLAN)],
    ['__proto__', payload()],
  ]);
  const api = jsonObject([
    ['id', JSON.stringify(KEY_API)],
    ['usagePlans', `[${plan}]`],
    [random.pick(POLLUTING_KEYS), payload()],
  ]);
  return jsonObject([
    ['__proto__', payload()],
    ['appName', '"polluter"'],
    ['developer', '"dev@example.com"'],
    ['apis', `[${api}]`],
    ['constructor', payload()],
    ['customCredentials', payload()],
  ]);
}

interface GeneratedBody {
  readonly kind: string;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

function generatedBody(random: Random, operation: Operation): GeneratedBody {
  const text = (kind: string, body: string): GeneratedBody =>
    random.chance(0.1)
      ? {
          kind: `${kind} (base64)`,
          body: Buffer.from(body, 'utf8').toString('base64'),
          isBase64Encoded: true,
        }
      : { kind, body, isBase64Encoded: false };
  switch (random.int(12)) {
    case 0:
      // Mostly invalid UTF-8 once decoded.
      return {
        kind: 'random bytes',
        body: random.bytes(random.int(2048)).toString('base64'),
        isBase64Encoded: true,
      };
    case 1:
      return {
        kind: 'random latin1',
        body: random.bytes(random.int(512)).toString('latin1'),
        isBase64Encoded: false,
      };
    case 2:
      return text('random JSON', jsonValue(random, 5));
    case 3:
      return text(
        'deep nesting',
        random.chance(0.5)
          ? deeplyNested(random)
          : jsonObject([[random.pick(KEYS), deeplyNested(random)], ...validFields(random, operation)]),
      );
    case 4:
      return text('polluting keys', pollutingRequest(random));
    case 5: {
      const value = random.chance(0.5) ? random.text(40, true) : 'é'.repeat(random.int(40_000));
      return text(
        'long string',
        jsonObject([
          ...validFields(random, operation),
          ['appName', JSON.stringify(value.repeat(1 + random.int(3)))],
        ]),
      );
    }
    case 6: {
      // Up to 30,000 elements, ~60 KiB: within the default limit.
      const elements = Array(1 + random.int(30_000))
        .fill(random.pick(['0', 'null', '{}', '-0', '1e400']))
        .join(',');
      return text(
        'big array',
        jsonObject([
          ...validFields(random, operation),
          [random.pick(['apis', 'usagePlans', 'customCredentials']), `[${elements}]`],
        ]),
      );
    }
    case 7: {
      const body = mutatedBody(random, operation);
      return text('truncated JSON', body.slice(0, random.int(body.length)));
    }
    case 8:
      return random.pick<GeneratedBody>([
        { kind: 'no body', body: null, isBase64Encoded: false },
        { kind: 'empty body', body: '', isBase64Encoded: random.chance(0.5) },
        { kind: 'blank body', body: ' \r\n\t ', isBase64Encoded: false },
        { kind: 'not base64', body: '{"appName":"x"}', isBase64Encoded: true },
      ]);
    default:
      return text('mutated request', mutatedBody(random, operation));
  }
}

/** Authorization header values: valid, near misses, garbage, overlong and absent. */
function authorizationHeader(random: Random): string | undefined {
  const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  switch (random.int(10)) {
    case 0:
      return undefined;
    case 1:
      return `${random.casing('Basic')}${' '.repeat(1 + random.int(3))}${base64(`${USERNAME}:${PASSWORD}`)}${' '.repeat(random.int(3))}`;
    case 2:
      return `Basic ${random.bytes(random.int(200)).toString('base64')}`;
    case 3:
      return `Basic ${random.text(60)}`;
    case 4:
      return random.text(random.chance(0.2) ? 6000 : 100);
    case 5:
      return `Bearer ${random.bytes(32).toString('base64url')}`;
    case 6:
      return basic(random.text(12), random.text(30));
    case 7:
      return basic(
        USERNAME,
        random.pick([`${PASSWORD}x`, PASSWORD.slice(0, -1), `x${PASSWORD.slice(1)}`, '']),
      );
    case 8:
      return `Basic ${base64(`${USERNAME}:${PASSWORD}`)}${'='.repeat(1 + random.int(4))}`;
    default:
      return `Basic${random.pick(['', '\t', ' '])}${base64(random.text(50))}`;
  }
}

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

function generatedHeaders(random: Random): Record<string, string> {
  const entries: Array<[string, string]> = [];
  const authorization = random.chance(0.75) ? basic() : authorizationHeader(random);
  if (authorization !== undefined) entries.push([random.casing('authorization'), authorization]);
  if (random.chance(0.9)) {
    const contentType = random.chance(0.8) ? random.pick(CONTENT_TYPES) : random.pick(WRONG_CONTENT_TYPES);
    entries.push([random.casing('content-type'), random.chance(0.1) ? random.text(30) : contentType]);
  }
  for (let extra = random.int(4); extra > 0; extra--) {
    const name = random.chance(0.7) ? random.pick(HEADER_NAMES) : random.text(20, true) || 'x';
    entries.push([random.casing(name), random.chance(0.5) ? random.text(60) : random.text(8, true)]);
  }
  // fromEntries defines each key as data, as the Lambda runtime's JSON.parse does: "__proto__" included.
  return Object.fromEntries(entries);
}

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

function generatedEvent(random: Random): { kind: string; event: WebhookEvent } {
  const operation = random.pick<Operation>([
    'create',
    'update',
    'revoke',
    'create',
    'update',
    'revoke',
    'health',
  ]);
  const endpoint = ENDPOINTS[operation];
  const path = random.chance(0.8)
    ? endpoint.path + '/'.repeat(random.chance(0.1) ? 1 + random.int(3) : 0)
    : random.chance(0.7)
      ? random.pick(ODD_PATHS)
      : `/${random.text(random.chance(0.1) ? 1000 : 40)}`;
  const method = random.chance(0.85)
    ? endpoint.method
    : random.chance(0.7)
      ? random.pick(METHODS)
      : random.text(10);
  const body = generatedBody(random, operation);
  const sourceIp = `198.51.100.${random.int(256)}`;
  const requestContext = random.pick([
    undefined,
    { requestId: `fuzz-${random.int(1e6)}` },
    { requestId: random.text(20), identity: { sourceIp } },
  ]);
  return {
    kind: `${body.kind} ${JSON.stringify(method).slice(0, 20)} ${JSON.stringify(path).slice(0, 50)}`,
    event: {
      httpMethod: method,
      path,
      headers: generatedHeaders(random),
      body: body.body,
      isBase64Encoded: body.isBase64Encoded,
      requestContext,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The webhook under test: real services over the in-process adapters.
// ---------------------------------------------------------------------------------------------

function setup(options: { maxBodyBytes?: number } = {}) {
  const keys = new InMemoryApiKeys(new Set([PLAN, OTHER_PLAN]));
  const ledger = new InMemoryLedger(INSTANCE);
  const apiKeys = new ApiKeyService(keys, ledger, {
    allowedUsagePlanIds: new Set([PLAN, OTHER_PLAN]),
    maxParallelCalls: 4,
  });
  const clients = new ClientCredentialsService(new InMemoryClients(), ledger, {
    userPoolId: 'us-east-1_AbC123',
    tokenUrl: 'https://auth.example.com/oauth2/token',
    defaultScopes: ['orders/read'],
    scopesByApi: new Map(),
    accessTokenValidityMinutes: 60,
  });
  const service = new CredentialService(
    { defaultCredentialType: 'API_KEY', credentialTypeByApi: new Map([[CLIENT_API, 'CLIENT_CREDENTIALS']]) },
    apiKeys,
    clients,
  );
  const webhook = createWebhook({
    authenticator: new BasicAuthenticator(new StaticCredentials(USERNAME, PASSWORD)),
    credentials: new IdempotentCredentials(service, ledger, {
      windowSeconds: 3600,
      leaseSeconds: 60,
    }),
    logger: new Logger({ logLevel: 'SILENT' }),
    maxBodyBytes: options.maxBodyBytes,
  });
  return { webhook, keys };
}

const post = (path: string, json: unknown): WebhookEvent => event({ path, json });

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What the webhook did with one generated request. */
type Outcome =
  | { readonly index: number; readonly kind: string; readonly response: APIGatewayProxyResult }
  | { readonly index: number; readonly kind: string; readonly rejection: unknown };

const described = (outcome: Outcome): string => `#${outcome.index} ${outcome.kind}`;

const responses = (outcomes: readonly Outcome[]) =>
  outcomes.flatMap((outcome) => ('response' in outcome ? [{ ...outcome, response: outcome.response }] : []));

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

describe(`the webhook under ${CAMPAIGN_CASES} generated requests (seed ${SEED})`, () => {
  const { webhook, keys } = setup();
  const outcomes: Outcome[] = [];
  let before: Awaited<ReturnType<typeof lifecycle>>;
  let prototypesBefore: ReturnType<typeof prototypeKeys>;

  beforeAll(async () => {
    before = await lifecycle(webhook, keys, 'lifecycle-before-fuzz');
    prototypesBefore = prototypeKeys();
    const random = new Random(SEED);
    for (let index = 0; index < CAMPAIGN_CASES; index++) {
      const { kind, event: request } = generatedEvent(random);
      try {
        outcomes.push({ index, kind, response: await webhook(request) });
      } catch (rejection) {
        outcomes.push({ index, kind, rejection });
      }
    }
  });

  test('resolves for every request', () => {
    expect(outcomes.filter((outcome) => 'rejection' in outcome).map(described)).toEqual([]);
  });

  test('never answers with a 5xx', () => {
    const failures = responses(outcomes).filter(({ response }) => response.statusCode >= 500);

    expect(failures.map((outcome) => `${described(outcome)} -> ${outcome.response.statusCode}`)).toEqual([]);
  });

  test('answers every 4xx with a body in the error format', () => {
    const malformed = responses(outcomes).filter(
      ({ response }) =>
        response.statusCode >= 400 &&
        response.statusCode < 500 &&
        !ErrorResponseSchema.safeParse(jsonOf(response.body)).success,
    );

    expect(malformed.map(described)).toEqual([]);
  });

  test('answers every 2xx with a credential (200) or an empty body (204)', () => {
    const malformed = responses(outcomes).filter(({ response }) => {
      if (response.statusCode === 204) return response.body !== '';
      if (response.statusCode === 200)
        return !CreateCredentialsResponseSchema.safeParse(jsonOf(response.body)).success;
      return response.statusCode < 400;
    });

    expect(malformed.map((outcome) => `${described(outcome)} -> ${outcome.response.statusCode}`)).toEqual([]);
  });

  test('sends Cache-Control: no-store with every response', () => {
    const cacheable = responses(outcomes).filter(
      ({ response }) => response.headers?.['Cache-Control'] !== 'no-store',
    );

    expect(cacheable.map(described)).toEqual([]);
  });

  test('reaches every parser: routing, authentication, media type, size, syntax, schema and the services', () => {
    const seen = new Set(
      responses(outcomes).map(({ response }) => {
        const code = ErrorResponseSchema.safeParse(jsonOf(response.body)).data?.code;
        return code === undefined ? String(response.statusCode) : `${response.statusCode} ${code}`;
      }),
    );

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

describe('readJsonObject', () => {
  const seed = SEED + 1;
  const asBody = (body: string, isBase64Encoded = false): BodyEvent => ({
    headers: { 'Content-Type': 'application/json' },
    body,
    isBase64Encoded,
  });

  test(`returns a plain object or throws a 400, 413 or 415 for ${PARSER_CASES} generated bodies (seed ${seed})`, () => {
    const random = new Random(seed);
    const violations: string[] = [];
    for (let index = 0; index < PARSER_CASES; index++) {
      const operation = random.pick<Operation>(['create', 'update', 'revoke']);
      const body = generatedBody(random, operation);
      const request = { ...body, headers: generatedHeaders(random) };
      try {
        const value = readJsonObject(request);
        if (Object.getPrototypeOf(value) !== Object.prototype)
          violations.push(`#${index} ${body.kind}: prototype`);
      } catch (error) {
        if (!(error instanceof WebhookError) || ![400, 413, 415].includes(error.status))
          violations.push(`#${index} ${body.kind}: ${String(error)}`);
      }
    }

    expect(violations).toEqual([]);
  });

  test(`decodes random bytes inside a JSON string to text, invalid UTF-8 included (seed ${seed})`, () => {
    const random = new Random(seed);
    const bodies = Array.from({ length: 200 }, () => {
      // Bytes that cannot end the string early: no quote, backslash or control character.
      const bytes = Buffer.from(
        [...random.bytes(1 + random.int(64))].map((byte) =>
          byte < 0x20 || byte === 0x22 || byte === 0x5c ? 0x78 : byte,
        ),
      );
      return Buffer.concat([Buffer.from('{"appName":"'), bytes, Buffer.from('"}')]).toString('base64');
    });

    const names = bodies.map((body) => readJsonObject(asBody(body, true)).appName);

    expect(names.filter((name) => typeof name !== 'string')).toEqual([]);
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
  const seed = SEED + 2;

  test(`returns undefined or a username and password for ${PARSER_CASES} generated header values (seed ${seed})`, () => {
    const random = new Random(seed);
    const violations: string[] = [];
    for (let index = 0; index < PARSER_CASES; index++) {
      const header = random.chance(0.5) ? authorizationHeader(random) : random.text(300);
      try {
        const parsed = parseBasicAuthorization(header);
        if (
          parsed !== undefined &&
          (typeof parsed.username !== 'string' || typeof parsed.password !== 'string')
        )
          violations.push(`#${index}: ${JSON.stringify(parsed)}`);
      } catch (error) {
        violations.push(`#${index}: threw ${String(error)}`);
      }
    }

    expect(violations).toEqual([]);
  });

  test(`reads back any username without a colon and any password, whatever the scheme's case and spacing (seed ${seed})`, () => {
    const random = new Random(seed);
    const pairs = Array.from({ length: 500 }, () => ({
      username: random.text(30, true).replaceAll(':', ''),
      password: random.text(60, true),
    }));

    const parsed = pairs.map(({ username, password }) => {
      const encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
      return parseBasicAuthorization(
        `${random.casing('basic')}${' '.repeat(1 + random.int(3))}${encoded}${' '.repeat(random.int(3))}`,
      );
    });

    expect(parsed).toEqual(pairs);
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
  const seed = SEED + 3;
  const schemas = [
    ['CreateCredentialsRequest', CreateCredentialsRequestSchema],
    ['UpdateCredentialsRequest', UpdateCredentialsRequestSchema],
    ['RevokeCredentialsRequest', RevokeCredentialsRequestSchema],
  ] as const;

  test.each(schemas)(
    `%s: returns a value or throws 400 INVALID_REQUEST with 1 to 50 details for ${PARSER_CASES} generated JSON values (seed ${seed})`,
    (_name, schema) => {
      const random = new Random(seed);
      const violations: string[] = [];
      for (let index = 0; index < PARSER_CASES; index++) {
        const operation = random.pick<Operation>(['create', 'update', 'revoke']);
        const value: unknown = JSON.parse(
          random.chance(0.7) ? mutatedBody(random, operation) : jsonValue(random, 5),
        );
        try {
          validate(schema, value);
        } catch (error) {
          const wellFormed =
            error instanceof WebhookError &&
            error.status === 400 &&
            error.code === 'INVALID_REQUEST' &&
            error.details.length >= 1 &&
            error.details.length <= 50 &&
            error.details.every(
              (detail) => typeof detail.field === 'string' && typeof detail.message === 'string',
            );
          if (!wellFormed) violations.push(`#${index}: ${String(error)}`);
        }
      }

      expect(violations).toEqual([]);
    },
  );

  test(`refuses an appName or developer exactly when it holds a control or format character (seed ${seed})`, () => {
    const random = new Random(seed);
    const wrong: string[] = [];
    let refusals = 0;
    for (let index = 0; index < PARSER_CASES; index++) {
      const field = random.pick(['appName', 'developer']);
      const value = random.text(60, true);
      const result = CreateCredentialsRequestSchema.safeParse({ ...createRequest(), [field]: value });
      const refused = result.error?.issues.some((issue) => issue.path.join('.') === field) ?? false;
      const expected = value.length === 0 || CONTROL_OR_FORMAT.test(value);
      if (refused) refusals += 1;
      if (refused !== expected) wrong.push(`#${index} ${field} ${JSON.stringify(value)}: refused ${refused}`);
    }

    expect(wrong).toEqual([]);
    // Both verdicts occur, so the oracle is not vacuous.
    expect(refusals).toBeGreaterThan(PARSER_CASES / 10);
    expect(refusals).toBeLessThan(PARSER_CASES);
  });

  test('returns a create request without the polluting keys and with plain prototypes', () => {
    const request = validate(CreateCredentialsRequestSchema, JSON.parse(pollutingRequest(new Random(seed))));

    expect(Object.hasOwn(request, '__proto__')).toBe(false);
    expect([request, ...request.apis].map((value) => Object.getPrototypeOf(value))).toEqual([
      Object.prototype,
      Object.prototype,
    ]);
    expect(Reflect.get(request, 'polluted')).toBeUndefined();
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
