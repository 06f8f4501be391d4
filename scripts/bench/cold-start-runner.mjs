/**
 * One cold start, in a fresh Node process: `node cold-start-runner.mjs <load|call> <entry> <event JSON>`.
 * Loads the entry point as Lambda's Node runtime (itself an ES module) would: an ES module (the
 * asset's launcher) is imported and its top-level work awaited, as the init phase; a CommonJS file
 * (the bundle itself, for the levers) is required. In "call" mode it then sends one request, as
 * Lambda would. Exits 0 when the handler answered 200 (or, in "load" mode, once the entry is
 * loaded), else 1. Writes its own timings (ms since the process started), the launcher's init
 * timings when it has them, and whether V8 took the code cache as JSON to fd 3 for the parent.
 */
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [mode, entry, eventJson] = process.argv.slice(2);
// The launcher marks its init with process.hrtime readings; this pair converts them to ms since
// the process started, the origin of everything reported here.
const hrtimeAtStart = process.hrtime.bigint();
const msAtStart = performance.now();
const sinceStart = (hrtime) => msAtStart + Number(hrtime - hrtimeAtStart) / 1e6;

const loaded = entry.endsWith('.mjs')
  ? await import(pathToFileURL(entry).href)
  : createRequire(import.meta.url)(entry);
const { handler } = loaded;
const loadedAt = performance.now();
// Epoch ms of the process start: the parent lines up the stub's arrival times with it.
const { timeOrigin } = performance;
const codeCache = loaded.codeCache ?? 'none';
// The launcher's own mark: the bundle evaluated, before its init-phase work (which ends at loadedAt).
const marks = loaded.initMarks;
const bundleLoadedAt = marks === undefined ? undefined : sinceStart(marks.loadedAt);

function report(result) {
  writeSync(3, JSON.stringify({ timeOrigin, bundleLoadedAt, loadedAt, codeCache, ...result }));
}

if (mode === 'load') {
  report({});
  process.exit(0);
}

const context = {
  functionName: 'credential-webhook-bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:credential-webhook-bench',
  memoryLimitInMB: '512',
  awsRequestId: 'bench-cold-start',
  logGroupName: '/aws/lambda/credential-webhook-bench',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 25_000,
  done() {},
  fail() {},
  succeed() {},
};

handler(JSON.parse(eventJson), context).then(
  (response) => {
    report({ answeredAt: performance.now(), statusCode: response.statusCode });
    if (response.statusCode !== 200) {
      process.stderr.write(`first response was ${response.statusCode}: ${response.body}\n`);
    }
    // The SDK's keep-alive sockets would hold the process open; Lambda freezes it instead.
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
  (error) => {
    process.stderr.write(`handler threw: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
