/**
 * The Portal's calls in the Portal's order, each judged as a check. A check that needs what an
 * earlier one failed to get is skipped (with why); everything issued is revoked at the end.
 */
import { IssuedCredentials } from './cleanup';
import {
  emptyBodyProblems,
  errorFormatProblems,
  type IssuedCredential,
  readCredential,
  statusProblems,
} from './contract';
import { Interrupted, type Reply, type RequestSpec, send } from './http';
import { basic, PATHS, ProbeApp, revokeBody, type WebhookAccess, webhookRequest } from './portal';
import { CheckRun } from './runner';
import type { Kind, ProbeReport } from './types';

export interface ProbeTarget extends WebhookAccess {
  /** The kind expected; undefined takes the one the webhook issues. */
  readonly kind: Kind | undefined;
  readonly apis: readonly string[];
  readonly usagePlans: readonly string[];
  readonly checkUrl: string | undefined;
  /** Basic credentials of POST /v1/validateCredentials; undefined skips its checks. */
  readonly validator: { readonly username: string; readonly password: string } | undefined;
  /** The stack's TokenEndpoint, for a credential that names none. */
  readonly tokenEndpoint: string | undefined;
  readonly maxWaitMs: number;
  readonly pollIntervalMs: number;
}

const REFUSED = [401, 403];

const hasCredential = (reply: Reply): IssuedCredential | undefined =>
  reply.status >= 200 && reply.status < 300 ? readCredential(reply.json).credential : undefined;

/** The refusals: each must be 401, and must not issue anything (if it does, it is cleaned up). */
function authenticationRefusals(access: WebhookAccess): Array<[string, string, string | null]> {
  return [
    ['auth.missing', 'no Authorization header is refused with 401', null],
    [
      'auth.wrong-password',
      'a wrong password is refused with 401',
      basic(access.username, `${access.password}-wrong`),
    ],
    ['auth.malformed', 'a malformed Basic header is refused with 401', 'Basic !!not-base64!!'],
    ['auth.bearer', 'a Bearer scheme is refused with 401', `Bearer ${access.password}`],
  ];
}

function checkUrlRequest(url: string, credential: IssuedCredential, token: string | undefined): RequestSpec {
  const header = credential.customCredentials.apiKeyHeader;
  const headers: Record<string, string> =
    credential.kind === 'api-key'
      ? { [typeof header === 'string' && header !== '' ? header : 'x-api-key']: credential.secret }
      : { Authorization: `Bearer ${token ?? ''}` };
  return { method: 'GET', url, headers };
}

function tokenRequest(tokenUrl: string, credential: IssuedCredential): RequestSpec {
  return {
    method: 'POST',
    url: tokenUrl,
    headers: {
      Authorization: basic(encodeURIComponent(credential.id), encodeURIComponent(credential.secret)),
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    },
    body: 'grant_type=client_credentials',
  };
}

const accessToken = (reply: Reply): string | undefined => {
  const body = reply.json;
  if (reply.status !== 200 || typeof body !== 'object' || body === null) return undefined;
  const token = (body as Record<string, unknown>).access_token;
  return typeof token === 'string' && token !== '' ? token : undefined;
};

/** What validateCredentials is asked about: the key itself, or the client's token. */
function presented(credential: IssuedCredential, token: string | undefined): object | undefined {
  if (credential.kind === 'api-key') return { apiKey: credential.secret };
  return token === undefined ? undefined : { accessToken: token };
}

/** `valid` of a validateCredentials answer, and the credential id it names. */
function verdict(reply: Reply): { valid: boolean | undefined; id: unknown } {
  const body = reply.json;
  if (reply.status !== 200 || typeof body !== 'object' || body === null)
    return { valid: undefined, id: undefined };
  const fields = body as Record<string, unknown>;
  return {
    valid: typeof fields.valid === 'boolean' ? fields.valid : undefined,
    id: fields.apiKeyId ?? fields.clientId,
  };
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export async function runProbe(target: ProbeTarget, interrupt: AbortSignal): Promise<ProbeReport> {
  const run = new CheckRun(interrupt, target.pollIntervalMs);
  const issued = new IssuedCredentials();
  const app = new ProbeApp(target);
  let kind = target.kind;
  let interrupted = false;
  let cleanup: ProbeReport['cleanup'] | undefined;
  try {
    kind = await portalSequence(target, run, issued, app);
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    interrupted = true;
  } finally {
    // Its own signal: the cleanup must run even when the run was interrupted.
    const cleanupSignal = new AbortController().signal;
    cleanup = await issued.revokeRemaining((credential) =>
      send(webhookRequest(target, PATHS.revoke, { body: revokeBody(credential) }), cleanupSignal),
    );
  }
  if (!interrupted) judgeAllAnswers(run);
  const requiredFailed = run.results.some(
    (result) => result.level === 'required' && result.outcome === 'fail',
  );
  return {
    baseUrl: target.baseUrl,
    kind,
    results: run.results,
    cleanup,
    interrupted,
    passed: !interrupted && !requiredFailed && cleanup.failed.length === 0,
  };
}

/** Resolves with the kind of credential the run probed. */
async function portalSequence(
  target: ProbeTarget,
  run: CheckRun,
  issued: IssuedCredentials,
  app: ProbeApp,
): Promise<Kind | undefined> {
  const { maxWaitMs } = target;
  await run.check('health', 'GET /v1/health answers 204 with no body', 'required', async ({ webhook }) => {
    const reply = await webhook(webhookRequest(target, PATHS.health));
    return [...statusProblems(reply, [204]), ...(reply.status === 204 ? emptyBodyProblems(reply) : [])];
  });

  for (const [id, title, authorization] of authenticationRefusals(target)) {
    await run.check(id, title, 'required', async ({ webhook }) => {
      const body = app.createBody(target.kind, '-refused');
      const reply = await webhook(webhookRequest(target, PATHS.create, { body, authorization }));
      const leaked = hasCredential(reply);
      if (leaked !== undefined) {
        issued.add(leaked);
        return [`answered ${reply.status} and issued a credential`];
      }
      return statusProblems(reply, [401]);
    });
  }

  let credential: IssuedCredential | undefined;
  await run.check(
    'create',
    'create answers 200 with the credential fields',
    'required',
    async ({ webhook }) => {
      const reply = await webhook(
        webhookRequest(target, PATHS.create, { body: app.createBody(target.kind) }),
      );
      // Any 2xx with a credential issued one: it is cleaned up, and the run goes on with it.
      const success = reply.status >= 200 && reply.status < 300;
      const read = success ? readCredential(reply.json) : { problems: [] };
      if (read.credential !== undefined) issued.add(read.credential);
      const problems = [...statusProblems(reply, [200]), ...read.problems];
      if (reply.status === 401) problems.push('are --username and --password right?');
      if (reply.status === 200 && !/^application\/json\b/i.test(reply.headers.get('content-type') ?? ''))
        problems.push(
          `Content-Type is ${reply.headers.get('content-type') ?? 'missing'}, not application/json`,
        );
      if (read.credential !== undefined && target.kind !== undefined && read.credential.kind !== target.kind)
        problems.push(`issued ${read.credential.kind}, expected ${target.kind}`);
      else credential = read.credential;
      return problems;
    },
  );
  if (credential === undefined) {
    skipAfterCreate(run, target, 'no credential: create failed');
    return target.kind;
  }
  const issuedCredential = credential;
  const kind = issuedCredential.kind;

  await run.check(
    'create.repeat',
    'the same create again returns the same credential',
    'recommended',
    async ({ webhook }) => {
      const reply = await webhook(
        webhookRequest(target, PATHS.create, { body: app.createBody(target.kind) }),
      );
      const again = hasCredential(reply);
      if (again === undefined)
        return statusProblems(reply, [200]).concat(reply.status === 200 ? ['no credential'] : []);
      issued.add(again);
      return [
        ...statusProblems(reply, [200]),
        ...(again.id === issuedCredential.id ? [] : [`issued a second credential (${again.id})`]),
      ];
    },
  );

  let token: string | undefined;
  if (kind === 'client-credentials') {
    const tokenUrl = issuedCredential.customCredentials.tokenUrl ?? target.tokenEndpoint;
    if (typeof tokenUrl !== 'string' || tokenUrl === '')
      await run.check(
        'token',
        'the client gets a token at customCredentials.tokenUrl',
        'required',
        async () => ['no customCredentials.tokenUrl in the credential'],
      );
    else
      await run.check(
        'token',
        'the client gets a token at customCredentials.tokenUrl',
        'required',
        async ({ poll }) => {
          const reply = await poll(
            tokenRequest(tokenUrl, issuedCredential),
            (answer) => answer.status === 200,
            maxWaitMs,
          );
          token = accessToken(reply);
          if (reply.status !== 200)
            return [`token endpoint answered ${reply.status} after ${seconds(maxWaitMs)}`];
          return token === undefined ? ['no access_token in the answer'] : [];
        },
      );
  }

  const checkUrl = target.checkUrl;
  const usable = kind === 'api-key' || token !== undefined;
  if (checkUrl === undefined)
    run.skip('check-url.issued', 'the credential opens the protected URL', 'required', 'no --check-url');
  else if (!usable)
    run.skip('check-url.issued', 'the credential opens the protected URL', 'required', 'no token');
  else
    await run.check(
      'check-url.issued',
      'the credential opens the protected URL',
      'required',
      async ({ poll }) => {
        const reply = await poll(
          checkUrlRequest(checkUrl, issuedCredential, token),
          (answer) => answer.status >= 200 && answer.status < 300,
          maxWaitMs,
        );
        return reply.status >= 200 && reply.status < 300
          ? []
          : [`answered ${reply.status} until ${seconds(maxWaitMs)} had passed, expected 2xx`];
      },
    );

  const validator = target.validator;
  const validateTitle = 'validateCredentials says the issued credential is valid';
  const validateBody = presented(issuedCredential, token);
  if (validator === undefined) {
    run.skip('validate.issued', validateTitle, 'recommended', 'no validator credentials');
    run.skip(
      'validate.portal-refused',
      "the Portal's credentials do not open validateCredentials",
      'recommended',
      'no validator credentials',
    );
  } else if (validateBody === undefined)
    run.skip('validate.issued', validateTitle, 'recommended', 'no token');
  if (validator !== undefined && validateBody !== undefined) {
    await run.check('validate.issued', validateTitle, 'recommended', async ({ poll }) => {
      // Polled: a just-issued key may take a moment to be found by its hash.
      const reply = await poll(
        webhookRequest(target, PATHS.validate, {
          body: validateBody,
          authorization: basic(validator.username, validator.password),
        }),
        (answer) => verdict(answer).valid === true,
        maxWaitMs,
      );
      const { valid, id } = verdict(reply);
      if (valid !== true)
        return [...statusProblems(reply, [200]), `valid is ${String(valid)} after ${seconds(maxWaitMs)}`];
      return id === issuedCredential.id ? [] : [`names credential ${String(id)}, not ${issuedCredential.id}`];
    });
  }
  if (validator !== undefined)
    await run.check(
      'validate.portal-refused',
      "the Portal's credentials do not open validateCredentials",
      'recommended',
      async ({ webhook }) => {
        const reply = await webhook(
          webhookRequest(target, PATHS.validate, { body: validateBody ?? { apiKey: 'x'.repeat(40) } }),
        );
        return statusProblems(reply, [401]);
      },
    );

  await run.check(
    'update',
    kind === 'api-key'
      ? 'update (usage plans) answers 204 with no body'
      : 'update (APIs) answers 204 with no body',
    'required',
    async ({ webhook }) => {
      const reply = await webhook(
        webhookRequest(target, PATHS.update, { body: app.updateBody(issuedCredential) }),
      );
      return [...statusProblems(reply, [204]), ...(reply.status === 204 ? emptyBodyProblems(reply) : [])];
    },
  );

  await run.check(
    'update.unknown',
    'update of an unknown credential answers 404',
    'recommended',
    async ({ webhook }) => {
      const reply = await webhook(
        webhookRequest(target, PATHS.update, { body: app.unknownUpdateBody(kind) }),
      );
      return statusProblems(reply, [404]);
    },
  );

  await run.check('revoke', 'revoke answers 204 with no body', 'required', async ({ webhook }) => {
    const reply = await webhook(webhookRequest(target, PATHS.revoke, { body: revokeBody(issuedCredential) }));
    if (reply.status === 204) issued.markRevoked(issuedCredential.id);
    return [...statusProblems(reply, [204]), ...(reply.status === 204 ? emptyBodyProblems(reply) : [])];
  });

  await run.check(
    'revoke.repeat',
    'revoke again answers 204 (already revoked)',
    'recommended',
    async ({ webhook }) => {
      const reply = await webhook(
        webhookRequest(target, PATHS.revoke, { body: revokeBody(issuedCredential) }),
      );
      return [...statusProblems(reply, [204]), ...(reply.status === 204 ? emptyBodyProblems(reply) : [])];
    },
  );

  await run.check('update.revoked', 'update after revoke answers 404', 'recommended', async ({ webhook }) => {
    const reply = await webhook(
      webhookRequest(target, PATHS.update, { body: app.updateBody(issuedCredential) }),
    );
    return statusProblems(reply, [404]);
  });

  if (kind === 'client-credentials') {
    const tokenUrl = issuedCredential.customCredentials.tokenUrl ?? target.tokenEndpoint;
    if (token === undefined || typeof tokenUrl !== 'string')
      run.skip(
        'token.revoked',
        'after revoke, the token endpoint refuses the client',
        'required',
        'no token before',
      );
    else
      await run.check(
        'token.revoked',
        'after revoke, the token endpoint refuses the client',
        'required',
        async ({ poll }) => {
          const reply = await poll(
            tokenRequest(tokenUrl, issuedCredential),
            (answer) => answer.status >= 400 && answer.status < 500,
            maxWaitMs,
          );
          return reply.status >= 400 && reply.status < 500
            ? []
            : [`token endpoint still answered ${reply.status} after ${seconds(maxWaitMs)}`];
        },
      );
  }

  const revokedValidateTitle = 'after revoke, validateCredentials says the credential is not valid';
  if (validator === undefined || validateBody === undefined)
    run.skip(
      'validate.revoked',
      revokedValidateTitle,
      'recommended',
      validator === undefined ? 'no validator credentials' : 'no token',
    );
  else
    await run.check('validate.revoked', revokedValidateTitle, 'recommended', async ({ poll }) => {
      const reply = await poll(
        webhookRequest(target, PATHS.validate, {
          body: validateBody,
          authorization: basic(validator.username, validator.password),
        }),
        (answer) => verdict(answer).valid === false,
        maxWaitMs,
      );
      const { valid } = verdict(reply);
      return valid === false
        ? []
        : [
            ...statusProblems(reply, [200]),
            `valid is ${String(valid)} ${seconds(maxWaitMs)} after the revoke`,
          ];
    });

  const revokedTitle = 'after revoke, the protected URL refuses the credential (401/403)';
  if (checkUrl === undefined) run.skip('check-url.revoked', revokedTitle, 'required', 'no --check-url');
  else if (kind === 'client-credentials')
    // An access token stays valid until it expires (a JWT is checked offline): token.revoked is the check.
    run.skip(
      'check-url.revoked',
      revokedTitle,
      'required',
      'tokens already issued stay valid until they expire',
    );
  else
    await run.check('check-url.revoked', revokedTitle, 'required', async ({ poll }) => {
      const reply = await poll(
        checkUrlRequest(checkUrl, issuedCredential, token),
        (answer) => REFUSED.includes(answer.status),
        maxWaitMs,
      );
      return REFUSED.includes(reply.status)
        ? []
        : [`still answered ${reply.status} ${seconds(maxWaitMs)} after the revoke, expected 401 or 403`];
    });
  return kind;
}

function skipAfterCreate(run: CheckRun, target: ProbeTarget, reason: string): void {
  const later: Array<[string, string, 'required' | 'recommended']> = [
    ['create.repeat', 'the same create again returns the same credential', 'recommended'],
    ['update', 'update answers 204 with no body', 'required'],
    ['update.unknown', 'update of an unknown credential answers 404', 'recommended'],
    ['revoke', 'revoke answers 204 with no body', 'required'],
    ['revoke.repeat', 'revoke again answers 204 (already revoked)', 'recommended'],
    ['update.revoked', 'update after revoke answers 404', 'recommended'],
  ];
  if (target.validator !== undefined)
    later.push(
      ['validate.issued', 'validateCredentials says the issued credential is valid', 'recommended'],
      ['validate.portal-refused', "the Portal's credentials do not open validateCredentials", 'recommended'],
      [
        'validate.revoked',
        'after revoke, validateCredentials says the credential is not valid',
        'recommended',
      ],
    );
  if (target.checkUrl !== undefined)
    later.push(
      ['check-url.issued', 'the credential opens the protected URL', 'required'],
      ['check-url.revoked', 'after revoke, the protected URL refuses the credential (401/403)', 'required'],
    );
  for (const [id, title, level] of later) run.skip(id, title, level, reason);
}

/** The first few problems, and how many more: one defect repeats on every answer. */
function firstFew(problems: readonly string[]): string[] {
  const SHOWN = 3;
  return problems.length <= SHOWN
    ? [...problems]
    : [...problems.slice(0, SHOWN), `and ${problems.length - SHOWN} more`];
}

/** The checks that hold for every answer of the webhook the run saw. */
function judgeAllAnswers(run: CheckRun): void {
  const judge: CheckRun['judge'] = (id, title, level, problems, skipReason) =>
    run.judge(id, title, level, problems === undefined ? undefined : firstFew(problems), skipReason);
  const refusals = run.answers.filter(({ reply }) => reply.status >= 400);
  judge(
    'error-format',
    'every refusal is {"message","code","details":[...]}',
    'required',
    refusals.length === 0
      ? undefined
      : refusals.flatMap(({ label, reply }) =>
          errorFormatProblems(reply).map((problem) => `${label} ${reply.status}: ${problem}`),
        ),
    'no refusal seen',
  );
  const unauthorized = run.answers.filter(({ reply }) => reply.status === 401);
  judge(
    'www-authenticate',
    'every 401 has WWW-Authenticate: Basic',
    'recommended',
    unauthorized.length === 0
      ? undefined
      : unauthorized.flatMap(({ label, reply }) =>
          /^basic\b/i.test(reply.headers.get('www-authenticate') ?? '')
            ? []
            : [`${label}: no WWW-Authenticate: Basic`],
        ),
    'no 401 seen',
  );
  judge(
    'cache-control',
    'every answer has Cache-Control: no-store',
    'recommended',
    run.answers.flatMap(({ label, reply }) =>
      /\bno-store\b/i.test(reply.headers.get('cache-control') ?? '')
        ? []
        : [`${label} ${reply.status}: Cache-Control is ${reply.headers.get('cache-control') ?? 'missing'}`],
    ),
  );
}
