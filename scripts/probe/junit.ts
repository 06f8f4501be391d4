/**
 * JUnit XML for CI (--junit FILE): one suite per level, so a pipeline can hold the recommended
 * checks to a different standard than the required ones.
 */
import type { CheckResult, Level, ProbeReport } from './types';

const xml = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // Control characters are not allowed in XML 1.0 (tab and line breaks are).
    .replace(/[^\t\n\r\u0020-\uFFFF]/gu, (character) => (character.length > 1 ? character : ''));

const seconds = (result: CheckResult) =>
  (result.calls.reduce((sum, call) => sum + call.ms, 0) / 1000).toFixed(3);

function testcase(result: CheckResult): string {
  const open = `    <testcase classname="credential-webhook.${result.level}" name="${xml(`${result.id}: ${result.title}`)}" time="${seconds(result)}"`;
  const reason = xml(result.reason ?? '');
  if (result.outcome === 'pass') return `${open}/>`;
  if (result.outcome === 'skip') return `${open}>\n      <skipped message="${reason}"/>\n    </testcase>`;
  return `${open}>\n      <failure message="${reason}" type="${result.level}">${reason}</failure>\n    </testcase>`;
}

function suite(report: ProbeReport, level: Level): string {
  const results = report.results.filter((result) => result.level === level);
  const count = (outcome: CheckResult['outcome']) =>
    results.filter((result) => result.outcome === outcome).length;
  const time = results.reduce((sum, result) => sum + Number(seconds(result)), 0).toFixed(3);
  return [
    `  <testsuite name="credential-webhook probe (${level})" tests="${results.length}" failures="${count('fail')}" errors="0" skipped="${count('skip')}" time="${time}">`,
    ...results.map(testcase),
    '  </testsuite>',
  ].join('\n');
}

export function renderJunit(report: ProbeReport): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(`credential-webhook probe ${report.baseUrl}`)}">`,
    suite(report, 'required'),
    suite(report, 'recommended'),
    '</testsuites>',
    '',
  ].join('\n');
}
