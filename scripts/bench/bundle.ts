/**
 * Builds the production Lambda bundle with the CDK construct's own esbuild settings
 * (lib/bundling.ts) and says what is in it.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { HANDLER_ENTRY, HANDLER_ESBUILD_OPTIONS } from '../../lib/bundling';

export interface Contributor {
  /** An npm package name, or "(this project)" for the repository's own sources. */
  readonly name: string;
  readonly bytes: number;
}

export interface BundleReport {
  readonly outfile: string;
  /** The JavaScript Lambda loads. */
  readonly bytes: number;
  /** The source map shipped next to it (read only for stack traces). */
  readonly mapBytes: number;
  readonly buildMs: number;
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

export async function buildBundle(outDir: string): Promise<BundleReport> {
  const outfile = path.join(outDir, 'handler.js');
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
    outfile,
    bytes: statSync(outfile).size,
    mapBytes: statSync(`${outfile}.map`).size,
    buildMs,
    contributors,
  };
}
