/**
 * The webhook function's code: the asset lib/asset-build.ts writes (bundle, launcher, code cache),
 * built at synth on this machine. It is not NodejsFunction's bundling because esbuild's command
 * line takes no plugins, and the asset needs one (lib/sdk-tree-shaking.ts) besides its launcher and
 * code cache. The asset's hash is that of the files built, as NodejsFunction's is.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { AssetHashType } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { HANDLER_RUNTIME, PROJECT_ROOT } from './bundling';

const BUILDER = path.join(PROJECT_ROOT, 'lib', 'asset-build.ts');
const TSX_CLI = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** The command that writes the asset into `outputDir`: Node, tsx, the builder. */
function assetBuildCommand(outputDir: string): string[] {
  return [process.execPath, TSX_CLI, BUILDER, outputDir];
}

/** Runs the builder; a failure stops the synth with the builder's own output. */
function buildInto(outputDir: string): boolean {
  const [node = process.execPath, ...args] = assetBuildCommand(outputDir);
  const built = spawnSync(node, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) {
    throw new Error(
      `building the webhook's asset failed (${built.error?.message ?? `exit ${built.status ?? built.signal}`}): ` +
        `run npm ci in ${PROJECT_ROOT}, then \`tsx lib/asset-build.ts <dir>\` to see why`,
    );
  }
  return true;
}

/** The webhook's code, for lambda.Function (handler: LAUNCHER_HANDLER). */
export function webhookCode(): lambda.Code {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by CDK's type; never used, since local bundling either builds or throws.
      image: HANDLER_RUNTIME.bundlingImage,
      local: { tryBundle: buildInto },
    },
  });
}
