/** The esbuild plugin that lets tree shaking drop the SDK operations the webhook never sends. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { HANDLER_ESBUILD_OPTIONS } from '../../lib/bundling';
import { inlineSchemaKeys, SDK_SCHEMA_MODULE, sdkSchemaTreeShaking } from '../../lib/sdk-tree-shaking';

const SCHEMAS = path.join(
  __dirname,
  '..',
  '..',
  'node_modules',
  '@aws-sdk',
  'client-api-gateway',
  'dist-es',
  'schemas',
  'schemas_0.js',
);

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-tree-shaking-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Bundles `source` (imports resolved from the project) as the webhook is bundled, with or without the plugin. */
async function bundle(name: string, source: string, plugin: boolean, minify = true): Promise<string> {
  const entry = path.join(dir, `${name}.ts`);
  fs.writeFileSync(entry, source);
  const outfile = path.join(dir, `${name}${plugin ? '.shaken' : ''}.js`);
  await esbuild.build({
    ...HANDLER_ESBUILD_OPTIONS,
    sourcemap: false,
    minify,
    plugins: plugin ? [sdkSchemaTreeShaking] : [],
    entryPoints: [entry],
    outfile,
    nodePaths: [path.join(__dirname, '..', '..', 'node_modules')],
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * The exports as plain data: each copy has its own functions and classes, so a function (a schema's
 * lazy reference, an error class) is described by the export it returns or by its name.
 */
function described(exports: Record<string, unknown>): unknown {
  const names = new Map<unknown, string>(Object.entries(exports).map(([name, value]) => [value, name]));
  // The values being described, to stop at a cycle.
  const path = new Set<unknown>();
  const describe = (value: unknown): unknown => {
    if (typeof value === 'function') {
      if (/^class\b/.test(Function.prototype.toString.call(value))) return `class ${value.name}`;
      const target: unknown = (value as () => unknown)();
      return names.has(target) ? `→ ${names.get(target)}` : describe(target);
    }
    if (value === null || typeof value !== 'object') return value;
    if (path.has(value)) return '(cycle)';
    path.add(value);
    const plain =
      value instanceof Map
        ? [...value].map(([key, entry]) => [describe(key), describe(entry)])
        : Array.isArray(value)
          ? value.map(describe)
          : Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, describe(entry)]));
    path.delete(value);
    return plain;
  };
  return Object.fromEntries(Object.entries(exports).map(([name, value]) => [name, describe(value)]));
}

describe('inlineSchemaKeys', () => {
  test('writes a computed key naming a module string constant as that string', () => {
    const source = [
      'const _ht = "http";',
      'const _e = "error";',
      'export var CreateApiKey$ = [9, n0, _CAK, { [_ht]: ["POST", "/apikeys", 201] }, () => A$];',
      'export var Err$ = [-3, n0, _E, {[_e]: _c, [_hE]: 400}, [_m], [0]];',
    ].join('\n');

    expect(inlineSchemaKeys(source).split('\n').slice(2)).toEqual([
      'export var CreateApiKey$ = [9, n0, _CAK, { "http": ["POST", "/apikeys", 201] }, () => A$];',
      // _hE is no string constant of this module: its key stays computed.
      'export var Err$ = [-3, n0, _E, {"error": _c, [_hE]: 400}, [_m], [0]];',
    ]);
  });

  test('leaves brackets that are no object key alone: indexing, conditionals, arrays', () => {
    const source = ['const _k = "key";', 'const a = b ? c[_k] : d;', 'const e = [_k, f[_k]];'].join('\n');

    expect(inlineSchemaKeys(source)).toBe(source);
  });

  test('keeps escapes inside the constant exactly as written', () => {
    const source = 'const _q = "a\\"b";\nexport var X$ = {[_q]: 1};';

    expect(inlineSchemaKeys(source)).toBe('const _q = "a\\"b";\nexport var X$ = {"a\\"b": 1};');
  });
});

describe('the plugin on the SDK itself', () => {
  test('applies to the clients’ generated schema modules only', () => {
    expect(SDK_SCHEMA_MODULE.test(SCHEMAS)).toBe(true);
    expect(
      SDK_SCHEMA_MODULE.test(SCHEMAS.replace('schemas_0.js', '../commands/CreateApiKeyCommand.js')),
    ).toBe(false);
    expect(
      SDK_SCHEMA_MODULE.test(path.join('node_modules', '@smithy', 'core', 'dist-es', 'schemas_0.js')),
    ).toBe(false);
  });

  test('changes no value the API Gateway schema module exports', async () => {
    const source = `export * from ${JSON.stringify(SCHEMAS)};`;
    // Unminified, so that the two copies' classes (the error registries') have the same names.
    const plain = await bundle('all-schemas', source, false, false);
    const shaken = await bundle('all-schemas', source, true, false);

    const before = require(plain) as Record<string, unknown>;
    const after = require(shaken) as Record<string, unknown>;

    expect(Object.keys(after).length).toBeGreaterThan(300);
    expect(described(after)).toEqual(described(before));
  });

  test('lets esbuild drop the operations a bundle never sends, and keeps the ones it does', async () => {
    const source = `import { APIGatewayClient, CreateApiKeyCommand } from '@aws-sdk/client-api-gateway';
export const create = () => new APIGatewayClient({}).send(new CreateApiKeyCommand({}));`;
    const plain = fs.readFileSync(await bundle('create-key', source, false), 'utf8');
    const shaken = fs.readFileSync(await bundle('create-key', source, true), 'utf8');

    // UpdateVpcLink: an operation of the client the webhook never calls.
    expect(plain).toContain('"/vpclinks/{vpcLinkId}"');
    expect(shaken).not.toContain('"/vpclinks/{vpcLinkId}"');
    expect(shaken).toContain('"/apikeys"');
    expect(plain.length - shaken.length).toBeGreaterThan(20 * 1024);
  });
});
