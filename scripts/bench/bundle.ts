/**
 * Builds the webhook's Lambda asset as the CDK construct does (lib/asset-build.ts) and says what
 * is in it.
 */
import { rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { BUNDLE_FILE, CODE_CACHE_FILE } from '../../lambda/launch-files';
import { buildWebhookAsset } from '../../lib/asset-build';

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

/** Builds the asset exactly as the construct does (lib/asset-build.ts). */
export async function buildBundle(outDir: string): Promise<BundleReport> {
  const asset = path.join(outDir, 'asset');
  rmSync(asset, { recursive: true, force: true });
  const outfile = path.join(asset, BUNDLE_FILE);
  const { metafile, bundleMs: buildMs, codeCacheMs } = await buildWebhookAsset(asset);
  const output = metafile.outputs[path.relative(process.cwd(), outfile)];
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

/** The SDK-only floor (sdk-floor.ts), built into an asset exactly as the webhook's; its directory. */
export async function buildSdkFloor(outDir: string): Promise<string> {
  const asset = path.join(outDir, 'sdk-floor');
  rmSync(asset, { recursive: true, force: true });
  const built = await buildWebhookAsset(asset, path.join(__dirname, 'sdk-floor.ts'));
  if (built.codeCache !== 'written') throw new Error('the SDK floor was built without its code cache');
  return asset;
}
