/**
 * `npm start` (lambda/dev-server/main.ts) in a child process on a free loopback port, for tests
 * that need the webhook over real HTTP: ready once its health check answers 204, stopped with
 * SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** A port free on 127.0.0.1 now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The environment without the webhook's settings a developer's shell may carry into a child. */
export function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !/^(AWS_|WEBHOOK_|VALIDATOR_|ALLOWED_|DEFAULT_|API_|USER_POOL|TOKEN_URL|LEDGER_)/.test(entry[0]),
    ),
  );
}

export interface DevServer {
  readonly url: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** The child's whole environment but HOST and PORT. */
  readonly env: Record<string, string>;
  /** The Basic credentials its health check is called with. */
  readonly username: string;
  readonly password: string;
  /** How long it may take to answer (the AWS backend against moto is slower to start). */
  readonly readyWithinMs?: number;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = await freePort();
  const child = spawn(TSX, ['lambda/dev-server/main.ts'], {
    cwd: ROOT,
    env: { ...options.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  const readyWithinMs = options.readyWithinMs ?? 30_000;
  const deadline = Date.now() + readyWithinMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}): ${stderr}`);
    try {
      const health = await fetch(`${url}/v1/health`, { headers: { Authorization: authorization } });
      if (health.status === 204) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`npm start did not answer within ${readyWithinMs / 1000} s: ${stderr}`);
}

/** What a child process printed, once it has exited. */
export interface ChildOutput {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Collects a child's output until it exits. */
export function outputOf(child: ChildProcess): Promise<ChildOutput> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}
