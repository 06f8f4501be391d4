/** The probe's command line: parsed and validated here, so that a mistake is a usage error (exit 2). */
import type { Kind } from './types';

export const USAGE = `Usage:
  npm run probe -- <baseUrl> --username U --password P [options]
  npm run probe -- --stack <StackName> [--region R] [options]
  (or: npx credential-webhook probe …)

Plays the Sensedia Developer Portal's calls against a credential webhook and judges the answers.

Options:
  --username U, --password P  the webhook's Basic credentials (or WEBHOOK_USERNAME / WEBHOOK_PASSWORD)
  --kind api-key|client-credentials
                              the credential kind expected (default: whatever the webhook issues)
  --api ID                    REST API id sent in the requests; repeat it to have update change the APIs
  --usage-plan ID             usage plan to bind; repeat it to have update change the plans
  --check-url URL             a protected URL: the credential must open it, and no longer after revoke
  --validator-username U, --validator-password P
                              Basic credentials of POST /v1/validateCredentials, if the webhook has it
                              (or VALIDATOR_USERNAME / VALIDATOR_PASSWORD; --stack reads them too)
  --max-wait SECONDS          how long to poll for propagation after create and revoke (default 60)
  --stack NAME                read the URL and Basic secret from this CloudFormation stack
  --region R                  AWS Region of the stack (default: the SDK's, e.g. AWS_REGION)
  --json                      print the results as JSON instead of a table
  --junit FILE                also write the results as JUnit XML
  -h, --help                  this text

Exit status: 0 every required check passed, 1 one failed (or the run was interrupted), 2 usage error.`;

export interface CliArgs {
  readonly baseUrl: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly kind: Kind | undefined;
  readonly apis: readonly string[];
  readonly usagePlans: readonly string[];
  readonly checkUrl: string | undefined;
  readonly validatorUsername: string | undefined;
  readonly validatorPassword: string | undefined;
  readonly maxWaitSeconds: number;
  readonly stack: string | undefined;
  readonly region: string | undefined;
  readonly json: boolean;
  readonly junit: string | undefined;
  readonly help: boolean;
}

export class UsageError extends Error {}

const VALUE_FLAGS = new Set([
  'username',
  'password',
  'kind',
  'api',
  'usage-plan',
  'check-url',
  'validator-username',
  'validator-password',
  'max-wait',
  'stack',
  'region',
  'junit',
]);
const SWITCHES = new Set(['json', 'help']);
/** As the contract's AwsId: what a Portal could send. */
const AWS_ID = /^[A-Za-z0-9]{1,64}$/;
const DEFAULT_MAX_WAIT_SECONDS = 60;

function httpUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag}: not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${flag}: must be an http(s) URL: ${value}`);
  return value;
}

/** Splits argv into flag values (repeatable) and positionals; `--flag=value` works too. */
function tokenize(argv: readonly string[]): { values: Map<string, string[]>; positionals: string[] } {
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] ?? '';
    if (token === '-h') {
      values.set('help', ['']);
      continue;
    }
    if (!token.startsWith('--')) {
      positionals.push(token);
      continue;
    }
    const [name = '', inline] = token.slice(2).split(/=(.*)/s, 2);
    if (SWITCHES.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      values.set(name, ['']);
    } else if (VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[++index];
      if (value === undefined || (inline === undefined && value.startsWith('--')))
        throw new UsageError(`--${name} needs a value`);
      values.set(name, [...(values.get(name) ?? []), value]);
    } else {
      throw new UsageError(`unknown option: ${token}`);
    }
  }
  return { values, positionals };
}

export function parseArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): CliArgs {
  const { values, positionals } = tokenize(argv);
  const single = (name: string): string | undefined => {
    const given = values.get(name);
    if (given !== undefined && given.length > 1) throw new UsageError(`--${name} given more than once`);
    return given?.[0];
  };
  if (positionals.length > 1) throw new UsageError(`one base URL expected, got: ${positionals.join(' ')}`);
  const help = values.has('help');
  const stack = single('stack');
  const baseUrlGiven = positionals[0];
  if (!help && baseUrlGiven === undefined && stack === undefined)
    throw new UsageError('give the webhook base URL, or --stack <StackName>');
  const kind = single('kind');
  if (kind !== undefined && kind !== 'api-key' && kind !== 'client-credentials')
    throw new UsageError(`--kind must be api-key or client-credentials, not ${kind}`);
  const maxWait = single('max-wait');
  const maxWaitSeconds = maxWait === undefined ? DEFAULT_MAX_WAIT_SECONDS : Number(maxWait);
  if (!Number.isFinite(maxWaitSeconds) || maxWaitSeconds < 0)
    throw new UsageError(`--max-wait must be a number of seconds, not ${maxWait}`);
  const ids = (name: string): string[] => {
    const given = values.get(name) ?? [];
    for (const id of given)
      if (!AWS_ID.test(id)) throw new UsageError(`--${name}: ids are letters and digits, not ${id}`);
    return given;
  };
  const checkUrl = single('check-url');
  const username = single('username') ?? env.WEBHOOK_USERNAME;
  const password = single('password') ?? env.WEBHOOK_PASSWORD;
  if (!help && stack === undefined && (username === undefined || password === undefined))
    throw new UsageError('give --username and --password (or WEBHOOK_USERNAME / WEBHOOK_PASSWORD)');
  const validatorUsername = single('validator-username') ?? env.VALIDATOR_USERNAME;
  const validatorPassword = single('validator-password') ?? env.VALIDATOR_PASSWORD;
  if ((validatorUsername === undefined) !== (validatorPassword === undefined))
    throw new UsageError('give both --validator-username and --validator-password, or neither');
  const region = single('region');
  if (region !== undefined && stack === undefined) throw new UsageError('--region goes with --stack');
  return {
    baseUrl: baseUrlGiven === undefined ? undefined : httpUrl(baseUrlGiven, 'base URL'),
    username,
    password,
    kind,
    apis: ids('api'),
    usagePlans: ids('usage-plan'),
    checkUrl: checkUrl === undefined ? undefined : httpUrl(checkUrl, '--check-url'),
    validatorUsername,
    validatorPassword,
    maxWaitSeconds,
    stack,
    region,
    json: values.has('json'),
    junit: single('junit'),
    help,
  };
}
