/**
 * The same cold start in Python + boto3 (the stack of Sensedia's reference example), for
 * comparison: `python/handler.py` makes the same AWS calls as our create-API-key path, and
 * `python/runner.py` times its import and first answer as cold-start-runner.mjs does for Node.
 * The bench spawns `PYTHON` with `pythonColdStartArgs(event)` and `pythonEnv(env)`.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { WebhookEvent } from '../../lambda/webhook';

const ROOT = path.join(__dirname, '..', '..');
const VENV_PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const RUNNER = path.join(__dirname, 'python', 'runner.py');
const HANDLER = path.join(__dirname, 'python', 'handler.py');

/** The project's venv interpreter (boto3 comes with moto); throws, saying how to create it, when missing. */
export const PYTHON: string = (() => {
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(`${VENV_PYTHON} is missing: run \`bash scripts/python-tools.sh\` to create the venv.`);
  }
  return VENV_PYTHON;
})();

/** Arguments of one Python cold start: the runner, the handler file and the event. */
export function pythonColdStartArgs(event: WebhookEvent): string[] {
  return [RUNNER, HANDLER, JSON.stringify(event)];
}

/** Arguments of a bare interpreter start, the Python baseline (as `node -e ''` is Node's). */
export const PYTHON_BARE_ARGS: readonly string[] = ['-c', 'pass'];

/**
 * The Node child's environment adapted for Python as Lambda's Python runtime sets it: botocore
 * reads AWS_DEFAULT_REGION (Lambda sets it beside AWS_REGION) and puts AWS_EXECUTION_ENV in its
 * user agent; NODE_OPTIONS means nothing here. Lambda has no ~/.aws files and the endpoint is the
 * stub, so boto3 reads no profile and never asks the instance metadata service. Bytecode stays
 * cached, as Lambda's runtime ships boto3 compiled, but under .bench/ (git-ignored), so that no
 * __pycache__ appears beside the handler.
 */
export function pythonEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  // Python's own switches stay out even when a caller passes its own environment: a bytecode
  // switch would make every run compile boto3.
  const { NODE_OPTIONS: _node, PYTHONDONTWRITEBYTECODE: _pyc, PYTHONUNBUFFERED: _unbuffered, ...rest } = env;
  return {
    ...rest,
    ...(rest.AWS_REGION !== undefined && { AWS_DEFAULT_REGION: rest.AWS_REGION }),
    AWS_EXECUTION_ENV: 'AWS_Lambda_python3.11',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    PYTHONPYCACHEPREFIX: path.join(ROOT, '.bench', 'pycache'),
  };
}
