/**
 * `npm run reconcile`'s arguments and configuration errors, run as the operator runs it (tsx in a
 * child process). Every case here stops before any AWS call: none needs AWS or an emulator.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const USAGE = 'usage: npm run reconcile -- [--dry-run] [--json] [--grace-seconds N]';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the reconcile command with `args`, in an environment of only PATH and `env`. */
function reconcile(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [join('lambda', 'dev-server', 'reconcile.ts'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

jest.setTimeout(60_000);

describe('npm run reconcile', () => {
  test('refuses a grace period that is not a whole number with exit code 2 and the usage', async () => {
    const run = await reconcile(['--grace-seconds', 'x'], { LEDGER_TABLE: 'webhook-ledger' });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--grace-seconds must be a whole number of seconds, got "x"');
    expect(run.stderr).toContain(USAGE);
    expect(run.stdout).toBe('');
  });

  test('refuses a fractional grace period', async () => {
    const run = await reconcile(['--grace-seconds', '1.5'], { LEDGER_TABLE: 'webhook-ledger' });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('got "1.5"');
  });

  test('refuses an option it does not know with exit code 2 and the usage', async () => {
    const run = await reconcile(['--force'], { LEDGER_TABLE: 'webhook-ledger' });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(USAGE);
  });

  test('refuses a positional argument with exit code 2', async () => {
    const run = await reconcile(['now'], { LEDGER_TABLE: 'webhook-ledger' });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(USAGE);
  });

  test('prints the usage for --help and exits 0', async () => {
    const run = await reconcile(['--help']);

    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(USAGE);
  });

  test('refuses to run without LEDGER_TABLE with exit code 2, naming it', async () => {
    const run = await reconcile(['--dry-run'], { ALLOWED_USAGE_PLAN_IDS: 'p1' });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid configuration: LEDGER_TABLE is required');
  });
});
