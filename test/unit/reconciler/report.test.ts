/** formatReport: the reconcile report as the table an operator reads. */
import type { Finding, ReconcileReport } from '../../../lambda/reconciler/reconciler';
import { formatReport } from '../../../lambda/reconciler/report';

const COUNTS: ReconcileReport['counts'] = {
  credentials: 1,
  deleted: 1,
  unbound: 0,
  abandoned: 0,
  expired: 0,
  missing: 0,
  waiting: 0,
  failed: 0,
  drift: 1,
};

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    kind: 'API_KEY',
    credentialId: 'k3y1d',
    ledgerId: 'abcdefgh01234567',
    state: 'issued',
    app: { appName: 'my app', appSlug: 'slug1', developer: 'dev@example.com' },
    grants: ['p1', 'p2'],
    ageSeconds: 30,
    action: 'keep',
    reason: 'in step',
    outcome: 'n/a',
    ...overrides,
  };
}

function report(findings: Finding[], overrides: Partial<ReconcileReport> = {}): ReconcileReport {
  return { dryRun: false, graceSeconds: 300, findings, counts: COUNTS, ...overrides };
}

/** The cells of the table's row `index` (0: the header), split on the two-space column gap. */
function cells(text: string, index: number): string[] {
  const lines = text.split('\n');
  const row = index === 0 ? lines[0] : lines[index + 1];
  return (row ?? '').split(/ {2,}/).map((cell) => cell.trim());
}

describe('formatReport', () => {
  test('heads the table with its columns, underlined', () => {
    const text = formatReport(report([finding()]));

    expect(cells(text, 0)).toEqual([
      'credential',
      'kind',
      'app',
      'developer',
      'state',
      'plans or scopes',
      'age',
      'expires',
      'action',
    ]);
    expect(text.split('\n')[1]).toMatch(/^-+( {2}-+){8}$/);
  });

  test('gives a credential in step one row, with a dash for its action', () => {
    expect(cells(formatReport(report([finding()])), 1)).toEqual([
      'k3y1d',
      'key',
      'slug1',
      'dev@example.com',
      'issued',
      'p1 p2',
      '30s',
      '-',
      '-',
    ]);
  });

  test('shows when a credential expires, so an operator sees what expires soon', () => {
    const text = formatReport(
      report([finding({ expiresAt: '2026-12-30T10:00:00Z' }), finding({ credentialId: 'n3v3r' })]),
    );

    expect(cells(text, 0)[7]).toBe('expires');
    expect(cells(text, 1)[7]).toBe('2026-12-30T10:00:00Z');
    expect(cells(text, 2)[7]).toBe('-');
  });

  test('says an expiry the pass recorded', () => {
    const text = formatReport(
      report([
        finding({
          expiresAt: '2026-11-23T10:05:00Z',
          action: 'expire',
          reason: 'lifetime ended',
          outcome: 'done',
        }),
      ]),
    );

    expect(cells(text, 1)[8]).toBe('expire: lifetime ended');
  });

  test('aligns every column to its widest cell', () => {
    const text = formatReport(
      report([finding(), finding({ credentialId: 'a-much-longer-id', ageSeconds: 45 })]),
    );

    const [header, , first, second] = text.split('\n');
    const ageColumn = header?.indexOf('age');
    expect(ageColumn).toBeGreaterThan('a-much-longer-id'.length);
    expect(first?.indexOf('30s')).toBe(ageColumn);
    expect(second?.indexOf('45s')).toBe(ageColumn);
  });

  test('names a client, an app without a slug by its name, and a resource without an app with dashes', () => {
    const text = formatReport(
      report([
        finding({ kind: 'CLIENT_CREDENTIALS', app: { appName: 'my app', developer: 'd@x.com' }, grants: [] }),
        finding({ app: undefined, state: 'unrecorded', grants: [] }),
      ]),
    );

    expect(cells(text, 1).slice(1, 6)).toEqual(['client', 'my app', 'd@x.com', 'issued', '-']);
    expect(cells(text, 2).slice(1, 6)).toEqual(['key', '-', '-', 'unrecorded', '-']);
  });

  test('names an entry without a credential by its ledger id, in parentheses', () => {
    const text = formatReport(report([finding({ credentialId: undefined, state: 'pending' })]));

    expect(cells(text, 1)[0]).toBe('(abcdefgh01234567)');
  });

  test('says the action and why', () => {
    const text = formatReport(
      report([finding({ action: 'delete', reason: 'marked, not in the ledger', outcome: 'done' })]),
    );

    expect(cells(text, 1)[8]).toBe('delete: marked, not in the ledger');
  });

  test('marks a planned action as a dry run', () => {
    const text = formatReport(
      report([finding({ action: 'unbind', reason: 'bound to p3', outcome: 'planned' })]),
    );

    expect(cells(text, 1)[8]).toBe('unbind: bound to p3 (dry run)');
  });

  test('marks a failed action with the error code', () => {
    const text = formatReport(
      report([
        finding({
          action: 'delete',
          reason: 'ledger says revoked',
          outcome: 'failed',
          error: 'UPSTREAM_THROTTLED',
        }),
      ]),
    );

    expect(cells(text, 1)[8]).toBe('delete: ledger says revoked FAILED (UPSTREAM_THROTTLED)');
  });

  test('shows a dash for an entry it does nothing with', () => {
    const text = formatReport(report([finding({ state: 'revoked', action: 'none', reason: 'revoked' })]));

    expect(cells(text, 1)[8]).toBe('-');
  });

  test.each([
    [0, '0s'],
    [119, '119s'],
    [120, '2m'],
    [7_199, '119m'],
    [7_200, '2h'],
    [172_799, '47h'],
    [172_800, '2d'],
    [40 * 86_400, '40d'],
  ])('shows an age of %i seconds as %s', (seconds, shown) => {
    expect(cells(formatReport(report([finding({ ageSeconds: seconds })])), 1)[6]).toBe(shown);
  });

  test('ends with the totals', () => {
    const text = formatReport(
      report([finding()], {
        counts: {
          credentials: 3,
          deleted: 2,
          unbound: 1,
          abandoned: 4,
          expired: 8,
          missing: 5,
          waiting: 6,
          failed: 7,
          drift: 15,
        },
      }),
    );

    const lines = text.split('\n');
    expect(lines.at(-2)).toBe('');
    expect(lines.at(-1)).toBe(
      '3 issued credential(s); 2 deleted, 1 unbound, 4 intent(s) abandoned, 8 expired, 5 missing in AWS, ' +
        '6 too young to judge, 7 failed.',
    );
  });

  test('says a dry run changed nothing', () => {
    const text = formatReport(report([], { dryRun: true }));

    expect(text.split('\n').at(-1)).toMatch(/ failed \(dry run: nothing changed\)\.$/);
    expect(text.split('\n').at(-1)).toMatch(
      / to delete, .* to unbind, .* intent\(s\) to abandon, .* to expire, /,
    );
  });

  test('prints the header alone when there is nothing to report', () => {
    const text = formatReport(report([]));

    expect(text.split('\n')).toHaveLength(4);
    expect(cells(text, 0)[0]).toBe('credential');
  });

  test('leaves no trailing spaces', () => {
    const text = formatReport(report([finding({ grants: [] }), finding({ action: 'delete', reason: 'x' })]));

    expect(text.split('\n').filter((line) => line !== line.trimEnd())).toEqual([]);
  });
});
