/**
 * The webhook asset's launcher and V8 code cache (built by lib/asset-build.ts): `launch.mjs`
 * (lambda/launch.mts) is the entry point, and `index.js.v8cache` holds the code V8 compiled while
 * the bundle answered a first create, AWS answered by a stand-in on loopback. See lambda/launch.mts
 * for how it is used and why a cache from another Node version is harmless.
 *
 * The cache is built by the Node of the runtime's line (the project's `node` devDependency when
 * installed) with the V8 flags Lambda's Node bootstrap passes that change V8's cache check
 * (`--expose-gc`). Built by another major version it could never be accepted, so it is left out.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { LAUNCHER_FILE } from '../lambda/launch-files';
import { HANDLER_RUNTIME, PROJECT_ROOT } from './bundling';

/** lambda/launch.mts: the asset's entry point, an ES module. */
export const LAUNCHER_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'launch.mts');

/** The Lambda handler setting of a function whose asset has the launcher. */
export const LAUNCHER_HANDLER = `${LAUNCHER_FILE.replace(/\.m?js$/, '')}.handler`;

/** The Node major version of the Lambda runtime (24 for nodejs24.x). */
export const RUNTIME_NODE_MAJOR = Number(HANDLER_RUNTIME.name.replace(/^nodejs|\.x$/g, ''));

/**
 * What Lambda's Node bootstrap passes to node for a function of `memoryMb`: `--expose-gc` and the
 * header limit always, heap sizes from the memory setting. Only `--expose-gc` changes whether V8
 * accepts a code cache; the benchmark passes all of them so that it measures what Lambda runs.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    '--expose-gc',
    '--max-http-header-size=81920',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

/** The Node binary of the runtime's line: the `node` devDependency if installed, else this one. */
export function runtimeNode(): string {
  const installed = path.join(PROJECT_ROOT, 'node_modules', 'node', 'bin', 'node');
  return existsSync(installed) ? installed : process.execPath;
}
