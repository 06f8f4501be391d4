/**
 * cdk-nag (v3) acknowledgments: each records why a finding does not apply, on the construct it
 * concerns (it covers that construct's children too).
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges a whole rule on a construct. */
export function acknowledgeRule(scope: IConstruct, ruleId: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: ruleId, reason });
}

/** Acknowledges single findings of a granular rule (cdk-nag ids them `Rule[Finding]`). */
export function acknowledgeFindings(
  scope: IConstruct,
  ruleId: string,
  findings: readonly string[],
  reason: string,
): void {
  for (const finding of findings) Validations.of(scope).acknowledge({ id: `${ruleId}[${finding}]`, reason });
}
