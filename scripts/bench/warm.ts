/**
 * Warm overhead: the time the webhook itself spends per request, with AWS answered in process
 * (lambda/adapters/local/backend.ts), so nothing but the handler's own code is timed.
 */

import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { localBackend } from '../../lambda/adapters/local/backend';
import { composeWebhook } from '../../lambda/compose';
import { loadConfig } from '../../lambda/config';
import type { Webhook, WebhookEvent } from '../../lambda/webhook';
import {
  createKeyEvent,
  credentialIdOf,
  healthEvent,
  nextSlug,
  PLANS,
  revokeKeyEvent,
  SECRET,
  updateKeyEvent,
} from './fixture';
import { elapsedMs, type Summary, summarize } from './stats';

export const OPERATIONS = ['create', 'update', 'revoke', 'health'] as const;
type Operation = (typeof OPERATIONS)[number];

export interface WarmReport {
  readonly all: Summary;
  readonly byOperation: Readonly<Record<Operation, Summary>>;
}

export interface WarmOptions {
  /** Requests timed (a multiple of 4: one create, update, revoke and health per cycle). */
  readonly requests: number;
  readonly warmupRequests: number;
  /**
   * false: a silent Logger and no Metrics (the handler's code alone). true: as in Lambda, the
   * INFO request line and the EMF metrics are formatted and written, to a stream that drops them.
   */
  readonly withTelemetry: boolean;
}

/** A Console that formats everything and writes it nowhere. */
function nullConsole(): Console {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return new Console({ stdout: sink, stderr: sink });
}

function webhookUnderTest(withTelemetry: boolean): Webhook {
  const config = loadConfig({
    WEBHOOK_USERNAME: SECRET.username,
    WEBHOOK_PASSWORD: SECRET.password,
    ALLOWED_USAGE_PLAN_IDS: PLANS.join(','),
  });
  if (!withTelemetry) {
    return composeWebhook(config, localBackend(config), new Logger({ logLevel: 'SILENT' }));
  }
  const logger = new Logger({ serviceName: 'credential-webhook', logLevel: 'INFO' });
  // Powertools keeps its Console private; swapping it keeps the formatting cost and drops the output.
  Reflect.set(logger, 'console', nullConsole());
  // Metrics' own warnings go to its `logger` (else to a Console bound at construction).
  const metrics = new Metrics({ namespace: 'CredentialWebhook', serviceName: 'credential-webhook', logger });
  Reflect.set(metrics, 'console', nullConsole());
  return composeWebhook(config, localBackend(config), logger, metrics);
}

async function timed(webhook: Webhook, event: WebhookEvent, expected: number) {
  const started = process.hrtime.bigint();
  const response = await webhook(event);
  const ms = elapsedMs(started);
  if (response.statusCode !== expected) {
    throw new Error(`expected ${expected}, got ${response.statusCode}: ${response.body}`);
  }
  return { ms, body: response.body };
}

/** One create → update (one plan added, one removed) → revoke → health, each timed. */
async function cycle(webhook: Webhook, record: (operation: Operation, ms: number) => void): Promise<void> {
  const slug = nextSlug();
  const created = await timed(webhook, createKeyEvent(PLANS.slice(0, 2), slug), 200);
  record('create', created.ms);
  const keyId = credentialIdOf(created.body);
  record(
    'update',
    (await timed(webhook, updateKeyEvent(keyId, [PLANS[0] ?? '', PLANS[2] ?? ''], slug), 204)).ms,
  );
  record('revoke', (await timed(webhook, revokeKeyEvent(keyId), 204)).ms);
  record('health', (await timed(webhook, healthEvent(), 204)).ms);
}

export async function measureWarm(options: WarmOptions): Promise<WarmReport> {
  const webhook = webhookUnderTest(options.withTelemetry);
  for (let i = 0; i < options.warmupRequests / OPERATIONS.length; i++) await cycle(webhook, () => {});
  const samples: Record<Operation, number[]> = { create: [], update: [], revoke: [], health: [] };
  const all: number[] = [];
  for (let i = 0; i < options.requests / OPERATIONS.length; i++) {
    await cycle(webhook, (operation, ms) => {
      samples[operation].push(ms);
      all.push(ms);
    });
  }
  return {
    all: summarize(all),
    byOperation: {
      create: summarize(samples.create),
      update: summarize(samples.update),
      revoke: summarize(samples.revoke),
      health: summarize(samples.health),
    },
  };
}
