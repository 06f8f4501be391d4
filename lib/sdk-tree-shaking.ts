/**
 * An esbuild plugin that lets tree shaking drop the AWS SDK operations a bundle never sends.
 *
 * Each SDK client describes all of its operations in `dist-es/schemas/schemas_0.js`, as arrays
 * whose traits are object literals keyed by module constants: `{ [_ht]: ["POST", "/apikeys", 201] }`
 * with `const _ht = "http"`. esbuild counts a computed key as a possible side effect (converting it
 * to a property name could run code), so it keeps every schema, used or not: 35 KiB of API Gateway
 * operations in a bundle that calls four (esbuild issue 4373, AWS SDK issue 7607). The plugin
 * writes those keys as the string literals they are, which is all esbuild needs to drop the unused
 * schemas. Nothing else in the file changes, so the code that runs is the same; a file of another
 * shape passes through untouched and only the bundle size would show it.
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/** The SDK clients' generated schema modules. */
export const SDK_SCHEMA_MODULE =
  /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/** A module-level string constant, as the SDK generates them: one per line. */
const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm;

/** A computed key `[_name]:` opening an object literal or following a property. */
const COMPUTED_KEY = /([{,]\s*)\[(_\w+)\](\s*:)/g;

/** The module with every computed key that names a string constant written as that string. */
export function inlineSchemaKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) {
    if (name !== undefined && literal !== undefined) constants.set(name, literal);
  }
  return source.replace(COMPUTED_KEY, (key: string, before: string, name: string, colon: string) => {
    const literal = constants.get(name);
    return literal === undefined ? key : `${before}${literal}${colon}`;
  });
}

export const sdkSchemaTreeShaking: Plugin = {
  name: 'sdk-schema-tree-shaking',
  setup(build) {
    build.onLoad({ filter: SDK_SCHEMA_MODULE }, async ({ path }) => ({
      contents: inlineSchemaKeys(await readFile(path, 'utf8')),
      loader: 'js',
    }));
  },
};
