/**
 * Starts moto server (the AWS API emulator, installed into .venv/ by scripts/python-tools.sh)
 * on a free loopback port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './dev-server';

const MOTO_SERVER = join(__dirname, '..', '..', '.venv', 'bin', 'moto_server');

export interface RunningMoto {
  readonly endpoint: string;
  readonly process: ChildProcess;
}

export async function startMoto(): Promise<RunningMoto> {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(
      `moto server not found at ${MOTO_SERVER}. Install the test tools with: bash scripts/python-tools.sh ` +
        '(needs python3 with venv; npm test runs it for you).',
    );
  }
  const port = await freePort();
  const child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto server exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return { endpoint, process: child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill();
  throw new Error(`moto server did not start within 60 s: ${stderr}`);
}

export async function stopMoto(moto: RunningMoto): Promise<void> {
  if (moto.process.exitCode !== null) return;
  const exited = new Promise((resolve) => moto.process.once('exit', resolve));
  moto.process.kill('SIGTERM');
  await exited;
}
