/**
 * Builds the webhook's Lambda asset: what the construct deploys (lib/webhook-asset.ts runs this
 * file as `tsx lib/asset-build.ts <directory>` at synth) and what `npm run bench` measures.
 *
 * 1. `index.js` and its source map: esbuild with the shared settings (lib/bundling.ts) and the
 *    plugin that lets it drop the SDK operations the webhook never sends (lib/sdk-tree-shaking.ts);
 * 2. `launch.mjs`: the launcher, the function's entry point (lambda/launch.mts), an ES module;
 * 3. `index.js.v8cache`: the V8 code cache, built by a Node of the runtime's line
 *    (lib/code-cache-build.ts); left out, with a warning, when there is none.
 */
import { mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { BUNDLE_FILE, LAUNCHER_FILE } from '../lambda/launch-files';
import { ESBUILD_TARGET, HANDLER_ENTRY, HANDLER_ESBUILD_OPTIONS } from './bundling';
import { LAUNCHER_ENTRY } from './code-cache';
import { buildCodeCache } from './code-cache-build';
import { sdkSchemaTreeShaking } from './sdk-tree-shaking';

export interface AssetBuild {
  /** The bundle's size in bytes: what the launcher reads and V8 loads. */
  readonly bundleBytes: number;
  /** esbuild's account of the bundle (bytes per input). */
  readonly metafile: esbuild.Metafile;
  readonly codeCache: 'written' | 'skipped';
  /** How long esbuild took, and the launcher and code cache after it. */
  readonly bundleMs: number;
  readonly codeCacheMs: number;
}

/** The bundle of `entry` as the asset holds it. */
async function bundleHandler(entry: string, outDir: string): Promise<esbuild.Metafile> {
  const result = await esbuild.build({
    ...HANDLER_ESBUILD_OPTIONS,
    plugins: [sdkSchemaTreeShaking],
    entryPoints: [entry],
    outfile: path.join(outDir, BUNDLE_FILE),
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

/** The launcher, next to the bundle. */
async function buildLauncher(outDir: string): Promise<void> {
  await esbuild.build({
    entryPoints: [LAUNCHER_ENTRY],
    outfile: path.join(outDir, LAUNCHER_FILE),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: ESBUILD_TARGET,
    minify: true,
    logLevel: 'warning',
  });
}

/** Writes the whole asset of `entry` (the webhook's handler unless told) into `outDir`. */
export async function buildWebhookAsset(outDir: string, entry: string = HANDLER_ENTRY): Promise<AssetBuild> {
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  const metafile = await bundleHandler(entry, outDir);
  const bundled = performance.now();
  await buildLauncher(outDir);
  const codeCache = await buildCodeCache(outDir);
  return {
    bundleBytes: statSync(path.join(outDir, BUNDLE_FILE)).size,
    metafile,
    codeCache,
    bundleMs: bundled - started,
    codeCacheMs: performance.now() - bundled,
  };
}

if (require.main === module) {
  const outDir = process.argv[2];
  if (outDir === undefined) {
    console.error('usage: tsx lib/asset-build.ts <output directory>');
    process.exit(2);
  }
  buildWebhookAsset(path.resolve(outDir)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
