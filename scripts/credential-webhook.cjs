#!/usr/bin/env node
/**
 * The package's command: `credential-webhook probe <baseUrl> …` (npx credential-webhook probe …).
 * It runs the TypeScript entry with tsx, the devDependency `npm start` uses, so nothing is built first.
 */
const { spawn } = require('node:child_process');
const path = require('node:path');

const COMMANDS = { probe: path.join(__dirname, 'probe.ts') };
const [command, ...args] = process.argv.slice(2);
const entry = command === undefined ? undefined : COMMANDS[command];
if (entry === undefined) {
  process.stderr.write(`Usage: credential-webhook probe <baseUrl> --username U --password P [options]
       credential-webhook probe --help\n`);
  process.exit(2);
}
let tsx;
try {
  tsx = require.resolve('tsx/cli', { paths: [path.join(__dirname, '..')] });
} catch {
  process.stderr.write('credential-webhook: tsx is not installed; run npm install (it is a devDependency)\n');
  process.exit(2);
}
const child = spawn(process.execPath, [tsx, entry, ...args], { stdio: 'inherit' });
// A SIGTERM sent to this process alone (a CI runner's) is passed on, so that the probe still revokes
// what it created. A terminal's Ctrl-C already reaches the whole process group: passing SIGINT on
// too would make it a second one, which tells the probe to give up its cleanup.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {
  if (child.exitCode === null) child.kill('SIGTERM');
});
child.on('exit', (code) => process.exit(code ?? 1));
