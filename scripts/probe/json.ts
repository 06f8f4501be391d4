/** The machine-readable report (--json): the same facts as the table, with every call. */
import type { ProbeReport } from './types';

export function toJson(report: ProbeReport) {
  const summary = (level: 'required' | 'recommended') => {
    const of = report.results.filter((result) => result.level === level);
    return {
      passed: of.filter((result) => result.outcome === 'pass').length,
      failed: of.filter((result) => result.outcome === 'fail').length,
      skipped: of.filter((result) => result.outcome === 'skip').length,
    };
  };
  return {
    baseUrl: report.baseUrl,
    kind: report.kind ?? null,
    passed: report.passed,
    interrupted: report.interrupted,
    summary: { required: summary('required'), recommended: summary('recommended') },
    checks: report.results.map((result) => ({
      id: result.id,
      title: result.title,
      level: result.level,
      outcome: result.outcome,
      reason: result.reason ?? null,
      calls: result.calls.map((call) => ({
        method: call.method,
        target: call.target,
        status: call.status ?? null,
        ms: Math.round(call.ms),
        atMs: Math.round(call.atMs),
      })),
    })),
    cleanup: report.cleanup,
  };
}

/** The shape --json prints. */
export type ProbeJson = ReturnType<typeof toJson>;

export const renderJson = (report: ProbeReport): string => `${JSON.stringify(toJson(report), null, 2)}\n`;
