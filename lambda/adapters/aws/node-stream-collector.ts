/**
 * The SDK clients' `streamCollector`: reads a response body into bytes. Node's HTTP handler always
 * answers with a Node stream, which is collected here directly. The SDK's own collector first asks
 * whether the body is a web `Blob` or `ReadableStream`, and touching those globals makes Node load
 * its web-streams modules during the first request of a cold start (about 4 ms measured, see
 * docs/benchmarks.md). Anything that is not a Node stream still goes to the SDK's collector.
 */
import { Readable } from 'node:stream';
import { streamCollector as sdkStreamCollector } from '@smithy/node-http-handler';
import type { StreamCollector } from '@smithy/types';

function collectNodeStream(stream: Readable): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer | string) => {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    });
    stream.once('error', reject);
    stream.once('end', () => {
      const bytes = Buffer.concat(chunks);
      resolve(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
  });
}

export const nodeStreamCollector: StreamCollector = (stream: Parameters<typeof sdkStreamCollector>[0]) =>
  stream instanceof Readable ? collectNodeStream(stream) : sdkStreamCollector(stream);
