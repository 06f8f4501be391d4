/** One HTTP call with a timeout, its answer read whole and timed. */

export interface RequestSpec {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  readonly json: unknown;
  readonly ms: number;
}

/** The run was interrupted (SIGINT/SIGTERM): stop checking, clean up. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** No answer came: refused connection, reset, timeout. */
export class NoAnswer extends Error {
  constructor(
    readonly ms: number,
    cause: unknown,
  ) {
    super(`no answer: ${describe(cause)}`);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

/** API Gateway gives up at 29 s; a little more, so its own 504 is what the probe sees. */
export const CALL_TIMEOUT_MS = 35_000;

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export async function send(spec: RequestSpec, interrupt: AbortSignal): Promise<Reply> {
  if (interrupt.aborted) throw new Interrupted();
  const started = performance.now();
  try {
    const response = await fetch(spec.url, {
      method: spec.method,
      headers: spec.headers,
      ...(spec.body !== undefined && { body: spec.body }),
      // A redirect is an answer to judge, not to follow (a POST followed becomes a GET).
      redirect: 'manual',
      signal: AbortSignal.any([interrupt, AbortSignal.timeout(CALL_TIMEOUT_MS)]),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    return { status: response.status, headers: response.headers, text, json: parseJson(text), ms };
  } catch (error) {
    if (interrupt.aborted) throw new Interrupted();
    throw new NoAnswer(performance.now() - started, error);
  }
}

/** Waits, or stops early when the run is interrupted. */
export function pause(ms: number, interrupt: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (interrupt.aborted) return reject(new Interrupted());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Interrupted());
    };
    const timer = setTimeout(() => {
      interrupt.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    interrupt.addEventListener('abort', onAbort, { once: true });
  });
}
