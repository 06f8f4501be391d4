/** The `npm run synth` summary over a small cloud assembly written here, not a real synth. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatSize, synthSummary } from '../../scripts/synth-summary';

let dir = '';
const WEBHOOK_ASSET = 'asset.0a1b2c';

function write(file: string, content: string | object): void {
  const target = path.join(dir, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content));
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-summary-'));
  write('manifest.json', {
    version: '55.0.0',
    artifacts: {
      'Hooks.assets': { type: 'cdk:asset-manifest', properties: { file: 'Hooks.assets.json' } },
      Hooks: {
        type: 'aws:cloudformation:stack',
        environment: 'aws://unknown-account/us-east-1',
        properties: { templateFile: 'Hooks.template.json' },
        displayName: 'Hooks',
      },
      Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
    },
  });
  write('Hooks.template.json', {
    Resources: {
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: { Handler: 'launch.handler', Runtime: 'nodejs24.x' },
        Metadata: { 'aws:asset:path': WEBHOOK_ASSET },
      },
      Inline: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler' } },
      PermA: { Type: 'AWS::Lambda::Permission' },
      PermB: { Type: 'AWS::Lambda::Permission' },
      PermC: { Type: 'AWS::Lambda::Permission' },
      Table: { Type: 'AWS::DynamoDB::Table' },
    },
    Outputs: {
      WebhookBaseUrl: { Description: 'Webhook URL for the Portal', Value: 'https://example' },
      Bare: { Value: 'x' },
    },
  });
  write(`${WEBHOOK_ASSET}/index.js`, 'x'.repeat(2048));
  write(`${WEBHOOK_ASSET}/index.js.map`, 'x'.repeat(3072));
  write(`${WEBHOOK_ASSET}/index.js.v8cache`, 'x'.repeat(1024 * 1024));
  write(`${WEBHOOK_ASSET}/launch.js`, 'x'.repeat(100));
  // An earlier synth's asset, which no function of this template uses: not to be listed.
  write('asset.stale/index.js', 'x');
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('names the stack, counts resources by type, most frequent first', () => {
  const summary = synthSummary(dir);

  expect(summary).toContain('Stack Hooks (aws://unknown-account/us-east-1): 6 resources');
  expect(summary).toContain('3 AWS::Lambda::Permission, 2 AWS::Lambda::Function, 1 AWS::DynamoDB::Table');
  expect(summary).not.toContain('Tree');
});

test('lists the outputs with their descriptions', () => {
  const summary = synthSummary(dir);

  expect(summary).toMatch(/^ {2}WebhookBaseUrl +Webhook URL for the Portal$/m);
  expect(summary).toMatch(/^ {2}Bare$/m);
});

test("lists each function's asset with its files and sizes, and only the assets in use", () => {
  const summary = synthSummary(dir);
  const assetDir = path.relative(process.cwd(), path.join(dir, WEBHOOK_ASSET));

  expect(summary).toContain(`  Fn (launch.handler, nodejs24.x): 1.0 MiB in ${assetDir}/`);
  expect(summary).toContain(
    '    index.js 2.0 KiB, index.js.map 3.0 KiB, index.js.v8cache 1.0 MiB, launch.js 100 B',
  );
  expect(summary).toContain('  Inline (index.handler): inline code or an image, no file asset');
  expect(summary).not.toContain('asset.stale');
});

test('says where the full template is', () => {
  const template = path.relative(process.cwd(), path.join(dir, 'Hooks.template.json'));

  expect(synthSummary(dir)).toMatch(
    new RegExp(`^Full template: ${template.replace(/\./g, '\\.')} \\(\\d`, 'm'),
  );
});

test('says when an asset a function names is missing', () => {
  fs.rmSync(path.join(dir, WEBHOOK_ASSET), { recursive: true });

  expect(synthSummary(dir)).toContain(
    `  Fn (launch.handler, nodejs24.x): missing: ${path.relative(process.cwd(), path.join(dir, WEBHOOK_ASSET))} (synth again)`,
  );
});

test('summarizes the stacks of nested assemblies too', () => {
  write('manifest.json', {
    version: '55.0.0',
    artifacts: {
      'assembly-Prod': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Prod' } },
    },
  });
  write('assembly-Prod/manifest.json', {
    version: '55.0.0',
    artifacts: {
      'Prod-Hooks': {
        type: 'aws:cloudformation:stack',
        properties: { templateFile: 'Prod-Hooks.template.json' },
      },
    },
  });
  write('assembly-Prod/Prod-Hooks.template.json', { Resources: { T: { Type: 'AWS::DynamoDB::Table' } } });

  expect(synthSummary(dir)).toContain('Stack Prod-Hooks (environment unknown): 1 resource');
});

test('formats sizes as a reader compares them', () => {
  expect([formatSize(0), formatSize(1023), formatSize(1536), formatSize(5 * 1024 * 1024)]).toEqual([
    '0 B',
    '1023 B',
    '1.5 KiB',
    '5.0 MiB',
  ]);
});
