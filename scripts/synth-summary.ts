/**
 * `npm run synth` prints this instead of the whole template: per stack, its resources counted by
 * type, its outputs, its Lambda functions' assets with their sizes, and where the full template is.
 * It reads only the cloud assembly `cdk synth` wrote (manifest.json and the stacks' templates), so
 * it needs no AWS account and no second synth.
 *
 *   tsx scripts/synth-summary.ts [cloud assembly directory, default cdk.out]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

interface ManifestArtifact {
  readonly type?: string;
  readonly environment?: string;
  readonly displayName?: string;
  readonly properties?: { readonly templateFile?: string; readonly directoryName?: string };
}

interface Manifest {
  readonly artifacts?: Readonly<Record<string, ManifestArtifact>>;
}

interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: { readonly Handler?: unknown; readonly Runtime?: unknown };
  readonly Metadata?: Readonly<Record<string, unknown>>;
}

interface Template {
  readonly Resources?: Readonly<Record<string, TemplateResource>>;
  readonly Outputs?: Readonly<Record<string, { readonly Description?: unknown }>>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** 1536 -> "1.5 KiB": sizes as a reader compares them, not to the byte. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** "9 AWS::Lambda::Permission, 2 AWS::IAM::Role, …", most frequent first, wrapped at `width`. */
function countByType(resources: readonly TemplateResource[], width: number, indent: string): string[] {
  const counts = new Map<string, number>();
  for (const resource of resources) {
    const type = resource.Type ?? '(no type)';
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  const items = [...counts]
    .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
    .map(([type, count]) => `${count} ${type}`);
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line === '' ? item : `${line}, ${item}`;
    if (line !== '' && indent.length + next.length + 1 > width) {
      lines.push(`${indent}${line},`);
      line = item;
    } else {
      line = next;
    }
  }
  if (line !== '') lines.push(`${indent}${line}`);
  return lines;
}

/**
 * The asset's place and size, then its files and theirs: what Lambda unpacks, the zip being made of
 * this directory.
 */
function assetLines(assemblyDir: string, assetPath: string, indent: string): [string, ...string[]] {
  const dir = path.join(assemblyDir, assetPath);
  const shown = path.relative(process.cwd(), dir);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(dir);
  } catch {
    return [`missing: ${shown} (synth again)`];
  }
  if (!stat.isDirectory()) return [`${formatSize(stat.size)} in ${shown}`];
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return { name: path.relative(dir, file), size: statSync(file).size };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const total = files.reduce((sum, file) => sum + file.size, 0);
  return [
    `${formatSize(total)} in ${shown}/`,
    `${indent}${files.map((file) => `${file.name} ${formatSize(file.size)}`).join(', ')}`,
  ];
}

function summarizeStack(assemblyDir: string, name: string, artifact: ManifestArtifact): string[] {
  const templateFile = path.join(assemblyDir, artifact.properties?.templateFile ?? `${name}.template.json`);
  const template = readJson<Template>(templateFile);
  const resources = Object.entries(template.Resources ?? {});
  const lines = [
    `Stack ${artifact.displayName ?? name} (${artifact.environment ?? 'environment unknown'}): ${resources.length} resource${resources.length === 1 ? '' : 's'}`,
    ...countByType(
      resources.map(([, resource]) => resource),
      100,
      '  ',
    ),
  ];

  const outputs = Object.entries(template.Outputs ?? {});
  if (outputs.length > 0) {
    lines.push('Outputs:');
    const width = Math.max(...outputs.map(([id]) => id.length));
    for (const [id, output] of outputs) {
      const description = typeof output.Description === 'string' ? output.Description : '';
      lines.push(`  ${id.padEnd(width)}  ${description}`.trimEnd());
    }
  }

  const functions = resources.filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
  if (functions.length > 0) {
    lines.push('Lambda functions and their assets (unzipped):');
    for (const [id, resource] of functions) {
      const { Handler: handler, Runtime: runtime } = resource.Properties ?? {};
      const runs = [handler, runtime].filter((value) => typeof value === 'string').join(', ');
      const assetPath = resource.Metadata?.['aws:asset:path'];
      const [where, ...files] =
        typeof assetPath === 'string'
          ? assetLines(assemblyDir, assetPath, '    ')
          : ['inline code or an image, no file asset'];
      lines.push(`  ${id}${runs === '' ? '' : ` (${runs})`}: ${where}`, ...files);
    }
  }

  const size = formatSize(statSync(templateFile).size);
  lines.push(`Full template: ${path.relative(process.cwd(), templateFile)} (${size})`);
  return lines;
}

/** The summary of every stack in the cloud assembly at `assemblyDir` (nested assemblies too). */
export function synthSummary(assemblyDir: string): string {
  const manifest = readJson<Manifest>(path.join(assemblyDir, 'manifest.json'));
  const sections: string[][] = [];
  for (const [name, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack') {
      sections.push(summarizeStack(assemblyDir, name, artifact));
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName !== undefined) {
      sections.push([synthSummary(path.join(assemblyDir, artifact.properties.directoryName))]);
    }
  }
  if (sections.length === 0) return `No stacks in ${path.relative(process.cwd(), assemblyDir) || '.'}`;
  return sections.map((lines) => lines.join('\n')).join('\n\n');
}

if (require.main === module) {
  const dir = process.argv[2] ?? 'cdk.out';
  try {
    console.log(synthSummary(dir));
  } catch (error) {
    console.error(
      `synth summary: cannot read the cloud assembly in ${dir} (${error instanceof Error ? error.message : String(error)})`,
    );
    process.exit(1);
  }
}
