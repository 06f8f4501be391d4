/**
 * Builds the production Lambda bundle with the CDK construct's own esbuild settings
 * (lib/bundling.ts) and says what is in it.
 */
import { execSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { BUNDLE_FILE, CODE_CACHE_FILE } from '../../lambda/launch-files';
import { HANDLER_ENTRY, HANDLER_ESBUILD_OPTIONS } from '../../lib/bundling';
import { codeCacheCommand } from '../../lib/code-cache';

export interface Contributor {
  /** An npm package name, or "(this project)" for the repository's own sources. */
  readonly name: string;
  readonly bytes: number;
}

export interface BundleReport {
  /** The asset directory, as the construct's bundling leaves it. */
  readonly asset: string;
  readonly outfile: string;
  /** The JavaScript Lambda loads. */
  readonly bytes: number;
  /** The source map shipped next to it (read only for stack traces). */
  readonly mapBytes: number;
  readonly buildMs: number;
  /** The V8 code cache shipped beside it (read at load), and the time the construct's hook took. */
  readonly codeCacheBytes: number;
  readonly codeCacheMs: number;
  /** Bytes of minified output per package, largest first. */
  readonly contributors: readonly Contributor[];
}

export const OWN_CODE = '(this project)';

/** The package an input file belongs to: the last node_modules/<name> or <@scope/name> in its path. */
function packageOf(input: string): string {
  const marker = 'node_modules/';
  const at = input.lastIndexOf(marker);
  if (at < 0) return OWN_CODE;
  const [first = '', second = ''] = input.slice(at + marker.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

/** Builds the asset the way the construct does: esbuild, then its afterBundling command. */
export async function buildBundle(outDir: string): Promise<BundleReport> {
  const asset = path.join(outDir, 'asset');
  rmSync(asset, { recursive: true, force: true });
  const outfile = path.join(asset, BUNDLE_FILE);
  const started = performance.now();
  // Exactly the construct's options; the metafile adds a report, not a byte of output. Paths in
  // the metafile are relative to the working directory (esbuild's default absWorkingDir).
  const result = await esbuild.build({
    ...HANDLER_ESBUILD_OPTIONS,
    entryPoints: [HANDLER_ENTRY],
    outfile,
    metafile: true,
  });
  const buildMs = performance.now() - started;
  const hookStarted = performance.now();
  execSync(codeCacheCommand(asset), { stdio: 'inherit' });
  const codeCacheMs = performance.now() - hookStarted;
  const output = result.metafile.outputs[path.relative(process.cwd(), outfile)];
  if (output === undefined) throw new Error(`esbuild's metafile does not list ${outfile}`);
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  const contributors = [...byPackage]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
  return {
    asset,
    outfile,
    bytes: statSync(outfile).size,
    mapBytes: statSync(`${outfile}.map`).size,
    buildMs,
    codeCacheBytes: statSync(path.join(asset, CODE_CACHE_FILE)).size,
    codeCacheMs,
    contributors,
  };
}
