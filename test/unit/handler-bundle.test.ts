/**
 * The Lambda bundles carry no in-process stand-in: built with the construct's own esbuild settings,
 * nothing under lambda/adapters/local/ or lambda/dev-server/ is an input. An import slipping into the
 * shared wiring would ship fakes to production and only this test would notice.
 */
import * as esbuild from 'esbuild';
import { HANDLER_ESBUILD_OPTIONS } from '../../lib/bundling';

async function bundledInputs(entry: string): Promise<string[]> {
  const result = await esbuild.build({
    ...HANDLER_ESBUILD_OPTIONS,
    entryPoints: [entry],
    outfile: 'bundle-test/out.js',
    metafile: true,
    write: false,
  });
  return Object.keys(result.metafile.inputs);
}

const IN_PROCESS = /(^|\/)lambda\/(adapters\/local|dev-server)\//;

describe.each(['lambda/handler.ts', 'lambda/reconciler/handler.ts'])('the bundle of %s', (entry) => {
  test('holds no in-process adapter, yet holds the AWS adapters', async () => {
    const inputs = await bundledInputs(entry);

    expect(inputs.filter((input) => IN_PROCESS.test(input))).toEqual([]);
    // Guards the check itself: paths look as the pattern expects.
    expect(inputs).toEqual(expect.arrayContaining([expect.stringMatching(/^lambda\/adapters\/aws\//)]));
  }, 60_000);
});

test('the pattern recognises an in-process adapter path', () => {
  expect(IN_PROCESS.test('lambda/adapters/local/in-memory-ledger.ts')).toBe(true);
  expect(IN_PROCESS.test('lambda/dev-server/main.ts')).toBe(true);
  expect(IN_PROCESS.test('lambda/adapters/aws/backend.ts')).toBe(false);
});
