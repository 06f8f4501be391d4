/**
 * The webhook asset's entry point (`launch.handler`). It is an ES module so that Lambda waits for
 * its top-level work as part of the init phase, and it loads the bundle (index.js) itself instead
 * of letting the runtime require() it. Three things in it are the cold start:
 *
 * - A V8 code cache built at bundle time (index.js.v8cache, after a first create answered against
 *   a stand-in for AWS) spares compiling the functions the first request runs. V8 checks the cache
 *   against its own version and flags and ignores it when they differ; the bundle then compiles
 *   exactly as require() would compile it, so a stale cache costs a file read, not a failure.
 * - Source maps are read when a stack trace is printed, not at load: `--enable-source-maps` parses
 *   the whole map during the cold start.
 * - The bundle's `prime` (fetching the Portal's Basic-auth secret) runs before the handler is
 *   exported, so Lambda counts it in the init phase. Lambda runs the init phase of an on-demand
 *   function on a full vCPU; the invoke phase gets the share of a vCPU its memory setting buys
 *   (512 MB: under a third), which the first request would otherwise spend on it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire, SourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { BUNDLE_FILE, CODE_CACHE_FILE } from './launch-files.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Whether V8 used the shipped code cache. */
export type CodeCacheState = 'accepted' | 'rejected' | 'absent';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const bundle = path.join(here, BUNDLE_FILE);

function readCodeCache(): Buffer | undefined {
  try {
    return readFileSync(path.join(here, CODE_CACHE_FILE));
  } catch {
    return undefined;
  }
}

/** Source positions in the bundle's stack frames, mapped back on first use (then cached). */
let sourceMap: SourceMap | null | undefined;

function loadSourceMap(): SourceMap | null {
  if (sourceMap === undefined) {
    try {
      sourceMap = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
    } catch {
      sourceMap = null;
    }
  }
  return sourceMap;
}

/** A source path from the map, relative to the repository (`lambda/…`, `node_modules/…`). */
const tidySource = (source: string): string =>
  source.replace(/^(\.\.\/)+/, '').replace(/^.*?node_modules\//, 'node_modules/');

function frame(site: NodeJS.CallSite): string {
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (site.getFileName() !== bundle || line === null || column === null) return String(site);
  const entry = loadSourceMap()?.findEntry(line - 1, column - 1);
  if (entry === undefined || !('originalSource' in entry)) return String(site);
  const where = `${tidySource(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  const name = 'name' in entry && typeof entry.name === 'string' ? entry.name : site.getFunctionName();
  return name ? `${name} (${where})` : where;
}

/** V8's own stack format, with the bundle's frames at their source positions. */
function prepareStackTrace(error: unknown, sites: NodeJS.CallSite[]): string {
  let header: string;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = 'Error';
  }
  try {
    return header + sites.map((site) => `\n    at ${frame(site)}`).join('');
  } catch {
    return header + sites.map((site) => `\n    at ${String(site)}`).join('');
  }
}

Error.prepareStackTrace = prepareStackTrace;

const cachedData = readCodeCache();
const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), {
  filename: bundle,
  ...(cachedData !== undefined && { cachedData }),
});

/** Whether V8 took the shipped cache. */
export const codeCache: CodeCacheState =
  cachedData === undefined ? 'absent' : script.cachedDataRejected === true ? 'rejected' : 'accepted';
if (codeCache === 'rejected') {
  // One line per cold start tells the operator the runtime's Node differs from the one that built
  // the asset (see the README's cold start section): the function works, only its cold start is slower.
  process.stdout.write(
    `${JSON.stringify({ level: 'INFO', message: 'code cache not used by this Node version', codeCache, node: process.version })}\n`,
  );
}

/** What the bundle (lambda/handler.ts) exports. */
interface Bundle {
  readonly handler?: Handler;
  /** Init-phase work; never rejects. */
  readonly prime?: () => Promise<void>;
}

const loaded: { exports: Bundle } = { exports: {} };
const compiled = script.runInThisContext() as (
  exports: object,
  require: NodeJS.Require,
  module: object,
  filename: string,
  dirname: string,
) => void;
compiled.call(loaded.exports, loaded.exports, createRequire(bundle), loaded, bundle, here);
// process.hrtime, not performance.now(): the performance global would load node:perf_hooks at init.
const loadedAt = process.hrtime.bigint();

const bundled = loaded.exports.handler;
if (typeof bundled !== 'function') throw new Error(`${BUNDLE_FILE} exports no handler`);
await loaded.exports.prime?.();

export const handler: Handler = bundled;

/** When the bundle was loaded and when its init-phase work ended (process.hrtime.bigint() readings). */
export const initMarks = { loadedAt, primedAt: process.hrtime.bigint() } as const;

/**
 * Writes the code cache of everything V8 has compiled in this process so far. Called once, at
 * bundle time, after a first request has run, so the cache holds that request's functions too.
 */
export function writeCodeCache(): void {
  writeFileSync(path.join(here, CODE_CACHE_FILE), script.createCachedData());
}
