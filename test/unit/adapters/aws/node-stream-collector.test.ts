/** The SDK clients' response-body collector: Node streams directly, anything else through the SDK's. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import * as esbuild from 'esbuild';
import { dynamoDbClient } from '../../../../lambda/adapters/aws/clients';
import { nodeStreamCollector } from '../../../../lambda/adapters/aws/node-stream-collector';
import { runtimeNode } from '../../../../lib/code-cache';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

test('collects a Node stream of several chunks, Buffers and strings alike, into its exact bytes', async () => {
  const body = Readable.from([Buffer.from('{"Item":'), '{"pk":{"S":"é"}}', Buffer.from('}')]);

  const bytes = await nodeStreamCollector(body);

  expect(bytes).toBeInstanceOf(Uint8Array);
  expect(text(bytes)).toBe('{"Item":{"pk":{"S":"é"}}}');
});

test('collects an empty body as no bytes', async () => {
  expect((await nodeStreamCollector(Readable.from([]))).byteLength).toBe(0);
});

test('rejects with the stream’s own error when the body breaks off', async () => {
  const body = new PassThrough();
  const collected = nodeStreamCollector(body);
  body.write('{"partial":');

  body.destroy(new Error('socket hang up'));

  await expect(collected).rejects.toThrow('socket hang up');
});

test('hands a web ReadableStream (a fetch-based handler’s body) to the SDK’s collector', async () => {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"ok":'));
      controller.enqueue(new TextEncoder().encode('true}'));
      controller.close();
    },
  });

  expect(text(await nodeStreamCollector(body))).toBe('{"ok":true}');
});

test('is the collector every SDK client of the webhook is built with', () => {
  expect(dynamoDbClient({ region: 'us-east-1' }).config.streamCollector).toBe(nodeStreamCollector);
});

/** Collects a Node stream with `collector` in a fresh Node of the runtime's line; which web-stream modules it loaded. */
async function webStreamModulesLoaded(collector: 'nodeStreamCollector' | 'sdkStreamCollector') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collector-'));
  try {
    const entry = path.join(dir, 'entry.ts');
    const ours = path.resolve(__dirname, '../../../../lambda/adapters/aws/node-stream-collector');
    fs.writeFileSync(
      entry,
      `import { Readable } from 'node:stream';
import { streamCollector as sdkStreamCollector } from '@smithy/node-http-handler';
import { nodeStreamCollector } from ${JSON.stringify(ours)};
${collector}(Readable.from([Buffer.from('{}')])).then((bytes) => {
  const web = process.moduleLoadList.filter((m) => m.startsWith('NativeModule internal/webstreams/'));
  process.stdout.write(JSON.stringify({ bytes: bytes.byteLength, web }));
});`,
    );
    // Bundled as the Lambda is, so that the SDK resolves to the same modules.
    await esbuild.build({
      entryPoints: [entry],
      outfile: path.join(dir, 'out.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      mainFields: ['module', 'main'],
      nodePaths: [path.resolve(__dirname, '../../../../node_modules')],
      logLevel: 'silent',
    });
    const run = spawnSync(runtimeNode(), [path.join(dir, 'out.js')], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout) as { bytes: number; web: string[] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('collecting a Node stream loads none of Node’s web-stream modules, which the SDK’s collector does', async () => {
  const ours = await webStreamModulesLoaded('nodeStreamCollector');
  const sdk = await webStreamModulesLoaded('sdkStreamCollector');

  expect(ours).toEqual({ bytes: 2, web: [] });
  expect(sdk.bytes).toBe(2);
  expect(sdk.web).toContain('NativeModule internal/webstreams/readablestream');
});
