/**
 * Cold start, measured from outside: the wall time from spawning a fresh process to its exit. The
 * kinds alternate run by run, so a drift in the machine's load touches all of them alike:
 *
 * - bare `node -e ''` of the same Node (the baseline), and the asset as deployed (launcher + code
 *   cache, Lambda's node flags, the function's environment) loaded only (the init phase), and
 *   answering a first create (AWS answered by the stub on loopback);
 * - two floors: Node loading only the modules any HTTPS client with request signing needs
 *   (`node:https`, `node:crypto`), and the webhook's SDK clients making the create's six AWS
 *   calls with nothing else (sdk-floor.ts, built into an asset like the webhook's);
 * - the levers, each measured on the same bundle: required directly with and without
 *   `--enable-source-maps`, and through the launcher without the code cache;
 * - a Python + boto3 handler of the same shape, and bare Python.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { BUNDLE_FILE, CODE_CACHE_FILE, LAUNCHER_FILE } from '../../lambda/launch-files';
import type { WebhookEvent } from '../../lambda/webhook';
import type { AwsStub } from './aws-stub';
import { PYTHON, PYTHON_BARE_ARGS, pythonColdStartArgs, pythonEnv } from './python-cold-start';
import { elapsedMs, percentile, type Summary, summarize } from './stats';

const RUNNER = path.join(__dirname, 'cold-start-runner.mjs');
/** What any HTTPS client that signs its requests loads from Node itself. */
const HTTPS_FLOOR = "require('node:https'); require('node:crypto')";

/** What the runner reports about itself: ms since its process started. */
interface RunnerTimings {
  readonly timeOrigin: number;
  /** The launcher's mark: the bundle evaluated, before the init phase's own work. */
  readonly bundleLoadedAt?: number;
  /** The entry loaded: the end of the init phase. */
  readonly loadedAt: number;
  readonly answeredAt?: number;
  readonly statusCode?: number;
  readonly codeCache?: string;
}

interface Run {
  readonly wallMs: number;
  readonly timings: RunnerTimings | undefined;
}

export interface ColdStartOptions {
  /** The asset directory as the construct builds it: launch.mjs, index.js (+ map), the code cache. */
  readonly asset: string;
  /** The same kind of asset built from sdk-floor.ts. */
  readonly sdkFloorAsset: string;
  /** The stub answering the child's AWS calls; its arrival log gives the first request's timeline. */
  readonly stub: AwsStub;
  readonly event: WebhookEvent;
  /** The child's whole environment (no inherited NODE_OPTIONS, no AWS profile). */
  readonly env: Readonly<Record<string, string>>;
  /** What Lambda's bootstrap passes to node. */
  readonly nodeFlags: readonly string[];
  readonly runs: number;
}

/** The levers measured beside the deployed asset, on the same bundle. */
export const LEVERS = [
  'require(index.js) with --enable-source-maps (as deployed before)',
  'require(index.js), no source maps',
  'launcher, no code cache',
] as const;
export type Lever = (typeof LEVERS)[number];

export interface ColdStartReport {
  readonly bare: Summary;
  readonly load: Summary;
  readonly call: Summary;
  readonly levers: Readonly<Record<Lever, Summary>>;
  readonly pythonBare: Summary;
  readonly python: Summary;
  /** Node with `node:https` and `node:crypto` loaded, nothing else. */
  readonly httpsFloor: Summary;
  /** The SDK clients alone making the create's AWS calls (sdk-floor.ts). */
  readonly sdkFloor: Summary;
  /**
   * The asset's load + first create over the SDK floor, run by run (each pair ran back to back, so
   * a drift in the machine's load touches both): the median of those ratios.
   */
  readonly overSdkFloor: number;
  /** What V8 did with the shipped code cache in the measured processes. */
  readonly codeCache: string;
  /** Inside the process, from its start: bundle loaded, init phase ended, first response returned. */
  readonly bundleLoadedAt: Summary;
  readonly loadedAt: Summary;
  readonly answeredAt: Summary;
  /** The first request's AWS calls in order: when each reached the stub (median ms since process start). */
  readonly awsCalls: readonly { readonly operation: string; readonly at: number }[];
}

function run(
  executable: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(executable, args, { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let report = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      report += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const wallMs = elapsedMs(started);
      if (code !== 0) {
        reject(
          new Error(
            `${path.basename(executable)} ${args.slice(0, 2).join(' ')} exited with ${code ?? signal}:\n${stderr}`,
          ),
        );
        return;
      }
      // fd 3 may still hold the last bytes when "exit" fires; "close" waits for the streams.
      child.on('close', () =>
        resolve({ wallMs, timings: report === '' ? undefined : (JSON.parse(report) as RunnerTimings) }),
      );
    });
  });
}

/** A copy of the asset without the code cache, for the launcher-only lever. */
function assetWithoutCache(asset: string): string {
  const copy = `${asset}-without-code-cache`;
  mkdirSync(copy, { recursive: true });
  for (const file of readdirSync(asset)) {
    if (file !== CODE_CACHE_FILE) copyFileSync(path.join(asset, file), path.join(copy, file));
  }
  return copy;
}

function answered(result: Run): RunnerTimings & { answeredAt: number } {
  const timings = result.timings;
  if (timings?.statusCode !== 200 || timings.answeredAt === undefined) {
    throw new Error(`the first response was not a 200: ${JSON.stringify(timings)}`);
  }
  return { ...timings, answeredAt: timings.answeredAt };
}

export async function measureColdStart(options: ColdStartOptions): Promise<ColdStartReport> {
  const node = process.execPath;
  const event = JSON.stringify(options.event);
  const launcher = path.join(options.asset, LAUNCHER_FILE);
  const bundle = path.join(options.asset, BUNDLE_FILE);
  const uncached = path.join(assetWithoutCache(options.asset), LAUNCHER_FILE);
  const sdkFloor = path.join(options.sdkFloorAsset, LAUNCHER_FILE);
  const flags = options.nodeFlags;
  // Bare Node gets neither flags nor NODE_OPTIONS: the baseline is Node itself.
  const { NODE_OPTIONS: _ignored, ...bareEnv } = options.env;
  const python = pythonEnv(options.env);
  const kinds = {
    bare: () => run(node, ['-e', ''], bareEnv),
    load: () => run(node, [...flags, RUNNER, 'load', launcher, event], options.env),
    call: () => run(node, [...flags, RUNNER, 'call', launcher, event], options.env),
    // Right after the asset's own run, so that each pair meets the same load (see overSdkFloor).
    sdkFloor: () => run(node, [...flags, RUNNER, 'call', sdkFloor, event], options.env),
    httpsFloor: () => run(node, [...flags, '-e', HTTPS_FLOOR], options.env),
    [LEVERS[0]]: () =>
      run(node, [...flags, RUNNER, 'call', bundle, event], {
        ...options.env,
        NODE_OPTIONS: '--enable-source-maps',
      }),
    [LEVERS[1]]: () => run(node, [...flags, RUNNER, 'call', bundle, event], options.env),
    [LEVERS[2]]: () => run(node, [...flags, RUNNER, 'call', uncached, event], options.env),
    pythonBare: () => run(PYTHON, PYTHON_BARE_ARGS, python),
    python: () => run(PYTHON, pythonColdStartArgs(options.event), python),
  } as const;
  type Kind = keyof typeof kinds;

  // One unmeasured round warms the page cache (and Python's bytecode cache).
  for (const start of Object.values(kinds)) await start();
  const samples = new Map<Kind, number[]>();
  const inside = { bundleLoadedAt: [] as number[], loadedAt: [] as number[], answeredAt: [] as number[] };
  const calls: { operation: string; at: number[] }[] = [];
  const cacheStates = new Set<string>();
  for (let i = 0; i < options.runs; i++) {
    for (const [kind, start] of Object.entries(kinds) as [Kind, () => Promise<Run>][]) {
      if (kind === 'call') options.stub.arrivals.length = 0;
      const result = await start();
      samples.set(kind, [...(samples.get(kind) ?? []), result.wallMs]);
      if (kind === 'load') cacheStates.add(result.timings?.codeCache ?? 'unknown');
      if (kind !== 'call') continue;
      const timings = answered(result);
      if (timings.bundleLoadedAt === undefined) throw new Error('the launcher reported no init timings');
      inside.bundleLoadedAt.push(timings.bundleLoadedAt);
      inside.loadedAt.push(timings.loadedAt);
      inside.answeredAt.push(timings.answeredAt);
      options.stub.arrivals.forEach(({ operation, at }, n) => {
        const slot = calls[n] ?? { operation, at: [] };
        calls[n] = slot;
        if (slot.operation !== operation)
          throw new Error(`the first request's calls changed order at ${operation}`);
        slot.at.push(at - timings.timeOrigin);
      });
    }
  }
  const summary = (kind: Kind): Summary => summarize(samples.get(kind) ?? []);
  const floors = samples.get('sdkFloor') ?? [];
  const pairedRatios = (samples.get('call') ?? []).map((wall, i) => wall / (floors[i] ?? Number.NaN));
  return {
    bare: summary('bare'),
    load: summary('load'),
    call: summary('call'),
    levers: {
      [LEVERS[0]]: summary(LEVERS[0]),
      [LEVERS[1]]: summary(LEVERS[1]),
      [LEVERS[2]]: summary(LEVERS[2]),
    },
    pythonBare: summary('pythonBare'),
    python: summary('python'),
    httpsFloor: summary('httpsFloor'),
    sdkFloor: summary('sdkFloor'),
    overSdkFloor: percentile(
      [...pairedRatios].sort((a, b) => a - b),
      0.5,
    ),
    codeCache: [...cacheStates].join(', '),
    bundleLoadedAt: summarize(inside.bundleLoadedAt),
    loadedAt: summarize(inside.loadedAt),
    answeredAt: summarize(inside.answeredAt),
    awsCalls: calls.map(({ operation, at }) => ({
      operation,
      at: percentile(
        [...at].sort((a, b) => a - b),
        0.5,
      ),
    })),
  };
}
