/**
 * How the webhook handler and the reconciler are bundled: the same esbuild settings for both. The
 * webhook's asset builder (lib/asset-build.ts, which the construct and the benchmark both run)
 * passes them to esbuild's API with a plugin; the reconciler's NodejsFunction gets them as
 * `bundling` options (HANDLER_BUNDLING).
 */
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** Repository root: where package-lock.json and the handler's sources live. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The Lambda entry point (lambda/handler.ts, export `handler`). */
export const HANDLER_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'handler.ts');

/** The scheduled reconciler's entry point (lambda/reconciler/handler.ts, export `handler`). */
export const RECONCILER_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'reconciler', 'handler.ts');

/**
 * Lambda supplies credentials in the environment: the SDK's default credential chain is replaced
 * by the environment provider alone (see that file for why).
 */
export const CREDENTIAL_PROVIDER_ALIAS = {
  '@aws-sdk/credential-provider-node': path.join(
    PROJECT_ROOT,
    'lambda',
    'adapters',
    'aws',
    'lambda-credentials.ts',
  ),
} as const;

/** Modules the SDK loads lazily, only for features the webhook does not use. */
export const LAZY_UNUSED_MODULES = ['@smithy/core/event-streams'] as const;

/** The lock file NodejsFunction hashes to decide when to rebuild. */
export const DEPS_LOCK_FILE = path.join(PROJECT_ROOT, 'package-lock.json');

/** Node.js 24 is the current LTS line; Lambda's nodejs24.x is its runtime. */
export const HANDLER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** esbuild target matching the runtime, so nothing is down-levelled that Node 24 runs natively. */
export const ESBUILD_TARGET = `node${HANDLER_RUNTIME.name.replace(/^nodejs|\.x$/g, '')}`;

/**
 * The esbuild settings, in esbuild's own API shape (`esbuild.build({ ...HANDLER_ESBUILD_OPTIONS,
 * entryPoints: [HANDLER_ENTRY], outfile })`). Bundling always tree-shakes.
 */
export const HANDLER_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: ESBUILD_TARGET,
  minify: true,
  sourcemap: true,
  // Stack traces need only the mappings; embedding the sources would double the asset.
  sourcesContent: false,
  // ESM builds of the AWS SDK tree-shake far better than the CJS default (827 KB against 1,078 KB measured).
  mainFields: ['module', 'main'],
  // The SDK is bundled (and tree-shaken) instead of loaded whole from the runtime. Only the
  // event-stream serde stays out: the SDK imports it lazily for event-stream operations, which the
  // webhook never calls, and it is 15 KiB of the bundle.
  external: [...LAZY_UNUSED_MODULES],
  alias: CREDENTIAL_PROVIDER_ALIAS,
  // import() becomes require(): the SDK's `await import('node:http')` otherwise goes through Node's
  // ESM loader, whose facade of node:http loads undici (~28 ms measured at the first request), and
  // the launcher's vm.Script has no ESM loader to hand an import() to.
  supported: { 'dynamic-import': false },
} satisfies BuildOptions;

/** The same settings as NodejsFunction `bundling` options. */
export const HANDLER_BUNDLING: BundlingOptions = {
  format: OutputFormat.CJS,
  target: HANDLER_ESBUILD_OPTIONS.target,
  minify: HANDLER_ESBUILD_OPTIONS.minify,
  sourceMap: HANDLER_ESBUILD_OPTIONS.sourcemap,
  sourcesContent: HANDLER_ESBUILD_OPTIONS.sourcesContent,
  mainFields: [...HANDLER_ESBUILD_OPTIONS.mainFields],
  bundleAwsSDK: true,
  externalModules: [...HANDLER_ESBUILD_OPTIONS.external],
  esbuildArgs: {
    ...Object.fromEntries(
      Object.entries(CREDENTIAL_PROVIDER_ALIAS).map(([module, replacement]) => [
        `--alias:${module}`,
        replacement,
      ]),
    ),
    '--supported:dynamic-import': 'false',
  },
};
