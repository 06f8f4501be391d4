/** The reconcile report as an operator reads it: a table of every credential, then the totals. */
import type { Finding, ReconcileReport } from './reconciler';

const COLUMNS = [
  'credential',
  'kind',
  'app',
  'developer',
  'state',
  'plans or scopes',
  'age',
  'expires',
  'action',
] as const;

function age(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

function action(finding: Finding): string {
  const outcome =
    finding.outcome === 'failed'
      ? ` FAILED (${finding.error ?? 'error'})`
      : finding.outcome === 'planned'
        ? ' (dry run)'
        : '';
  return finding.action === 'keep' || finding.action === 'none'
    ? '-'
    : `${finding.action}: ${finding.reason}${outcome}`;
}

function row(finding: Finding): string[] {
  return [
    finding.credentialId ?? `(${finding.ledgerId})`,
    finding.kind === 'API_KEY' ? 'key' : 'client',
    finding.app?.appSlug ?? finding.app?.appName ?? '-',
    finding.app?.developer ?? '-',
    finding.state,
    finding.grants.join(' ') || '-',
    age(finding.ageSeconds),
    // The date itself, so an operator sorts or greps for what expires soon.
    finding.expiresAt ?? '-',
    action(finding),
  ];
}

export function formatReport(report: ReconcileReport): string {
  const rows = [[...COLUMNS], ...report.findings.map(row)];
  const widths = COLUMNS.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const { counts } = report;
  // A dry run counts what it would do, and says so.
  const [deleted, unbound, abandoned, expired] = report.dryRun
    ? ['to delete', 'to unbind', 'intent(s) to abandon', 'to expire']
    : ['deleted', 'unbound', 'intent(s) abandoned', 'expired'];
  return [
    line(rows[0] ?? []),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.slice(1).map(line),
    '',
    `${counts.credentials} issued credential(s); ${counts.deleted} ${deleted}, ${counts.unbound} ${unbound}, ` +
      `${counts.abandoned} ${abandoned}, ${counts.expired} ${expired}, ${counts.missing} missing in AWS, ${counts.waiting} too young to judge, ` +
      `${counts.failed} failed${report.dryRun ? ' (dry run: nothing changed)' : ''}.`,
  ].join('\n');
}
