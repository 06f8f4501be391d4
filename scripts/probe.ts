/**
 * `npm run probe`: plays the Sensedia Developer Portal's calls against a credential webhook (this
 * one or any other implementation of the contract) and says whether the Portal can work with it.
 * Exit status: 0 every required check passed, 1 one failed or the run was interrupted, 2 usage error.
 */
import { writeFileSync } from 'node:fs';
import { type CliArgs, parseArgs, USAGE, UsageError } from './probe/args';
import { renderJson } from './probe/json';
import { renderJunit } from './probe/junit';
import { type ProbeTarget, runProbe } from './probe/sequence';
import { AwsStackSource, lookUpStack, StackLookupError, type StackSource } from './probe/stack';
import { cleanupLine, renderTable } from './probe/table';

export const EXIT = { passed: 0, failed: 1, usage: 2 } as const;

export interface ProbeIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: the run stops and cleans up. */
  readonly interrupt: AbortSignal;
  /** Where --stack reads from (the real AWS clients unless given). */
  readonly stackSource?: (region: string | undefined) => StackSource;
  /** Time between polls for propagation (1 s unless given). */
  readonly pollIntervalMs?: number;
}

async function resolveTarget(args: CliArgs, io: ProbeIo): Promise<ProbeTarget> {
  let deployed: Awaited<ReturnType<typeof lookUpStack>> | undefined;
  if (args.stack !== undefined) {
    const source = (io.stackSource ?? ((region) => new AwsStackSource(region)))(args.region);
    try {
      deployed = await lookUpStack(source, args.stack);
    } finally {
      source.close();
    }
  }
  // What is given on the command line wins over the stack's.
  const baseUrl = args.baseUrl ?? deployed?.baseUrl;
  const username = args.username ?? deployed?.username;
  const password = args.password ?? deployed?.password;
  if (baseUrl === undefined || username === undefined || password === undefined)
    throw new UsageError('give the base URL and the Basic credentials, or --stack');
  return {
    baseUrl,
    username,
    password,
    kind: args.kind,
    apis: args.apis,
    usagePlans: args.usagePlans,
    checkUrl: args.checkUrl,
    validator:
      args.validatorUsername !== undefined && args.validatorPassword !== undefined
        ? { username: args.validatorUsername, password: args.validatorPassword }
        : deployed?.validator,
    tokenEndpoint: deployed?.tokenEndpoint,
    maxWaitMs: args.maxWaitSeconds * 1000,
    pollIntervalMs: io.pollIntervalMs ?? 1000,
  };
}

export async function main(argv: readonly string[], io: ProbeIo): Promise<number> {
  let args: CliArgs;
  let target: ProbeTarget;
  try {
    args = parseArgs(argv, io.env);
    if (args.help) {
      io.stdout(`${USAGE}\n`);
      return EXIT.passed;
    }
    target = await resolveTarget(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`probe: ${error.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (error instanceof StackLookupError) {
      io.stderr(`probe: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  const report = await runProbe(target, io.interrupt);
  io.stdout(args.json ? renderJson(report) : renderTable(report));
  // The table says it already; with --json, a person watching still learns what was left behind.
  if (args.json) io.stderr(`${cleanupLine(report)}\n`);
  if (report.interrupted)
    io.stderr(
      report.cleanup.failed.length === 0
        ? 'probe: interrupted; every credential it created is revoked\n'
        : 'probe: interrupted; some credentials it created could not be revoked (see cleanup)\n',
    );
  if (args.junit !== undefined) writeFileSync(args.junit, renderJunit(report));
  return report.passed ? EXIT.passed : EXIT.failed;
}

if (require.main === module) {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // The first one stops the checks and lets the cleanup run; a second one gives up on it.
    if (++signals > 1) process.exit(EXIT.failed);
    process.stderr.write(`probe: ${signal}: stopping, revoking what the probe created\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    interrupt: controller.signal,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`probe: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
