/** The files of the webhook's asset that the launcher, the construct and the benchmark agree on. */

/** The bundle esbuild writes. */
export const BUNDLE_FILE = 'index.js';
/** The V8 code cache, next to the bundle. */
export const CODE_CACHE_FILE = `${BUNDLE_FILE}.v8cache`;
/** The launcher, the asset's entry point. */
export const LAUNCHER_FILE = 'launch.mjs';
