/**
 * Cold start, measured from outside: the wall time from spawning a fresh Node process to its exit,
 * for a bare `node -e ''`, for loading the bundle only, and for loading it and answering a first
 * request (AWS answered by the stub on loopback).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { WebhookEvent } from '../../lambda/webhook';
import type { AwsStub } from './aws-stub';
import { elapsedMs, percentile, type Summary, summarize } from './stats';

const RUNNER = path.join(__dirname, 'cold-start-runner.cjs');

/** What the runner reports about itself: ms since its process started. */
interface RunnerTimings {
  readonly timeOrigin: number;
  readonly loadedAt: number;
  readonly answeredAt?: number;
  readonly statusCode?: number;
}

interface Run {
  readonly wallMs: number;
  readonly timings: RunnerTimings | undefined;
}

export interface ColdStartOptions {
  readonly bundle: string;
  /** The stub answering the child's AWS calls; its arrival log gives the first request's timeline. */
  readonly stub: AwsStub;
  readonly event: WebhookEvent;
  /** The child's whole environment (no inherited NODE_OPTIONS, no AWS profile). */
  readonly env: Readonly<Record<string, string>>;
  readonly runs: number;
}

export interface ColdStartReport {
  readonly bare: Summary;
  readonly load: Summary;
  readonly call: Summary;
  /** Inside the process, from its start: bundle loaded, first response returned. */
  readonly loadedAt: Summary;
  readonly answeredAt: Summary;
  /** The first request's AWS calls in order: when each reached the stub (median ms since process start). */
  readonly awsCalls: readonly { readonly operation: string; readonly at: number }[];
}

function run(args: readonly string[], env: Readonly<Record<string, string>>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
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
        reject(new Error(`node ${args.slice(0, 2).join(' ')} exited with ${code ?? signal}:\n${stderr}`));
        return;
      }
      // fd 3 may still hold the last bytes when "exit" fires; "close" waits for the streams.
      child.on('close', () =>
        resolve({ wallMs, timings: report === '' ? undefined : (JSON.parse(report) as RunnerTimings) }),
      );
    });
  });
}

export async function measureColdStart(options: ColdStartOptions): Promise<ColdStartReport> {
  const bare = ['-e', ''];
  const load = [RUNNER, 'load', options.bundle];
  const call = [RUNNER, 'call', options.bundle, JSON.stringify(options.event)];
  // Bare Node gets no NODE_OPTIONS: the baseline is Node itself.
  const { NODE_OPTIONS: _ignored, ...bareEnv } = options.env;

  // One unmeasured round warms the page cache; then the three kinds alternate, so a drift in the
  // machine's load touches all of them alike.
  await run(bare, bareEnv);
  await run(load, options.env);
  await run(call, options.env);
  const samples = { bare: [] as number[], load: [] as number[], call: [] as number[] };
  const inside = { loadedAt: [] as number[], answeredAt: [] as number[] };
  const calls: { operation: string; at: number[] }[] = [];
  for (let i = 0; i < options.runs; i++) {
    samples.bare.push((await run(bare, bareEnv)).wallMs);
    samples.load.push((await run(load, options.env)).wallMs);
    options.stub.arrivals.length = 0;
    const answered = await run(call, options.env);
    const timings = answered.timings;
    if (timings?.statusCode !== 200 || timings.answeredAt === undefined) {
      throw new Error(`the first response was not a 200: ${JSON.stringify(timings)}`);
    }
    samples.call.push(answered.wallMs);
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
  return {
    bare: summarize(samples.bare),
    load: summarize(samples.load),
    call: summarize(samples.call),
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
