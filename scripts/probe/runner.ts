/** Runs checks one by one and records each one's calls and outcome. */
import { Interrupted, NoAnswer, pause, type Reply, type RequestSpec, send } from './http';
import type { CallRecord, CheckResult, Level } from './types';

export interface CheckContext {
  /** One call; it counts as a webhook answer (judged by the checks made over every answer). */
  webhook(spec: RequestSpec): Promise<Reply>;
  /** One call to somewhere else (a token endpoint, the protected URL). */
  call(spec: RequestSpec): Promise<Reply>;
  /** Repeats a call until `done` holds or `maxWaitMs` has passed: for propagation delays. */
  poll(spec: RequestSpec, done: (reply: Reply) => boolean, maxWaitMs: number): Promise<Reply>;
}

/** A check's body returns its problems: none is a pass. */
export type CheckBody = (context: CheckContext) => Promise<readonly string[]>;

export interface WebhookAnswer {
  readonly label: string;
  readonly reply: Reply;
}

export class CheckRun {
  readonly results: CheckResult[] = [];
  /** Every answer of the webhook, for the checks that hold for all of them. */
  readonly answers: WebhookAnswer[] = [];

  constructor(
    private readonly interrupt: AbortSignal,
    private readonly pollIntervalMs: number,
  ) {}

  /** Runs the check; resolves true when it passed. Rejects only with Interrupted. */
  async check(id: string, title: string, level: Level, body: CheckBody): Promise<boolean> {
    const calls: CallRecord[] = [];
    let firstStart: number | undefined;
    const timed = async (spec: RequestSpec, ofWebhook = false): Promise<Reply> => {
      const started = performance.now();
      firstStart ??= started;
      const atMs = started - firstStart;
      // The webhook's calls by path (the base URL is in the report once); no query string: it may hold secrets.
      const url = new URL(spec.url);
      const target = ofWebhook ? url.pathname : `${url.origin}${url.pathname}`;
      try {
        const reply = await send(spec, this.interrupt);
        calls.push({ method: spec.method, target, status: reply.status, ms: reply.ms, atMs });
        return reply;
      } catch (error) {
        if (error instanceof NoAnswer)
          calls.push({ method: spec.method, target, status: undefined, ms: error.ms, atMs });
        throw error;
      }
    };
    const context: CheckContext = {
      webhook: async (spec) => {
        const reply = await timed(spec, true);
        this.answers.push({ label: `${spec.method} ${new URL(spec.url).pathname} (${id})`, reply });
        return reply;
      },
      call: (spec) => timed(spec),
      poll: async (spec, done, maxWaitMs) => {
        const deadline = performance.now() + maxWaitMs;
        for (;;) {
          const reply = await timed(spec);
          if (done(reply) || performance.now() + this.pollIntervalMs > deadline) return reply;
          await pause(this.pollIntervalMs, this.interrupt);
        }
      },
    };
    try {
      const problems = await body(context);
      this.record(id, title, level, problems.length === 0 ? 'pass' : 'fail', problems.join('; '), calls);
      return problems.length === 0;
    } catch (error) {
      if (error instanceof Interrupted) {
        this.record(id, title, level, 'skip', 'interrupted', calls);
        throw error;
      }
      const reason = error instanceof Error ? error.message : String(error);
      this.record(id, title, level, 'fail', reason, calls);
      return false;
    }
  }

  skip(id: string, title: string, level: Level, reason: string): void {
    this.record(id, title, level, 'skip', reason, []);
  }

  /** A check judged from what the run has already seen, with no call of its own. */
  judge(
    id: string,
    title: string,
    level: Level,
    problems: readonly string[] | undefined,
    skipReason = '',
  ): void {
    if (problems === undefined) this.skip(id, title, level, skipReason);
    else this.record(id, title, level, problems.length === 0 ? 'pass' : 'fail', problems.join('; '), []);
  }

  private record(
    id: string,
    title: string,
    level: Level,
    outcome: CheckResult['outcome'],
    reason: string,
    calls: readonly CallRecord[],
  ): void {
    this.results.push({ id, title, level, outcome, ...(reason !== '' && { reason }), calls: [...calls] });
  }
}
