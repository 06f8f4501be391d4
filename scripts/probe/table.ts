/** The human report: one row per check, then why each failure failed, then the cleanup. */
import type { CallRecord, CheckResult, ProbeReport } from './types';

const ms = (value: number) => `${Math.round(value)} ms`;

const status = (call: CallRecord) => (call.status === undefined ? 'no answer' : String(call.status));

const firstCall = (calls: readonly CallRecord[]): string => {
  const [first] = calls;
  return first === undefined ? '' : `${first.method} ${first.target} → ${status(first)}`;
};

/** The last of the later calls: where a poll ended, and after how long. */
const laterCall = (calls: readonly CallRecord[]): string => {
  const last = calls.at(-1);
  if (calls.length < 2 || last === undefined) return '';
  return `→ ${status(last)} at +${(last.atMs / 1000).toFixed(1)} s (${calls.length} calls)`;
};

const latency = (calls: readonly CallRecord[]): string => {
  const [first] = calls;
  const last = calls.at(-1);
  if (first === undefined || last === undefined) return '';
  return calls.length > 1 ? `${ms(first.ms)} / ${ms(last.ms)}` : ms(first.ms);
};

const RESULT = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

function row(result: CheckResult): string[] {
  return [
    result.id,
    result.level.toUpperCase(),
    RESULT[result.outcome],
    latency(result.calls),
    firstCall(result.calls),
    laterCall(result.calls),
  ];
}

function columns(rows: readonly string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length))) ?? [];
  return rows
    .map((cells) =>
      cells
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function renderTable(report: ProbeReport): string {
  const header = ['CHECK', 'KIND', 'RESULT', 'LATENCY (first / last)', 'FIRST CALL', 'LATER CALL'];
  const lines = [
    `Credential webhook probe: ${report.baseUrl}${report.kind === undefined ? '' : ` (${report.kind})`}`,
    '',
    columns([header, ...report.results.map(row)]),
  ];
  const explained = report.results.filter(
    (result) => result.outcome !== 'pass' && result.reason !== undefined,
  );
  if (explained.length > 0) {
    lines.push('');
    for (const result of explained)
      lines.push(
        `${RESULT[result.outcome]} ${result.id} (${result.level}): ${result.title}: ${result.reason}`,
      );
  }
  const count = (level: CheckResult['level'], outcome: CheckResult['outcome']) =>
    report.results.filter((result) => result.level === level && result.outcome === outcome).length;
  lines.push(
    '',
    `required: ${count('required', 'pass')} passed, ${count('required', 'fail')} failed, ${count('required', 'skip')} skipped; ` +
      `recommended: ${count('recommended', 'pass')} passed, ${count('recommended', 'fail')} failed, ${count('recommended', 'skip')} skipped`,
    cleanupLine(report),
  );
  if (report.interrupted) lines.push('interrupted: the remaining checks did not run');
  lines.push(report.passed ? 'RESULT: PASS (every required check passed)' : 'RESULT: FAIL');
  return `${lines.join('\n')}\n`;
}

export function cleanupLine(report: ProbeReport): string {
  const { created, revokedByCleanup, failed } = report.cleanup;
  if (created.length === 0) return 'cleanup: the probe created no credential';
  const parts = [`cleanup: the probe created ${created.length} credential(s) (${created.join(', ')})`];
  const byRun = created.length - revokedByCleanup.length - failed.length;
  if (byRun > 0) parts.push(`${byRun} revoked by the run`);
  if (revokedByCleanup.length > 0)
    parts.push(`${revokedByCleanup.length} revoked by the cleanup (${revokedByCleanup.join(', ')})`);
  for (const { id, reason } of failed) parts.push(`NOT REVOKED ${id}: ${reason}`);
  return parts.join('; ');
}
