/**
 * The marker that ties an AWS resource to its ledger entry: "<instance>.<ledgerId>". API keys carry
 * it in a tag; app clients, which take no tags, at the end of their name. `instance` names the
 * deployment (a hash of its ledger table), so two webhooks in one account never touch each other's
 * resources.
 */
import { createHash, randomBytes } from 'node:crypto';

/** The API key tag that holds the marker. */
export const MARKER_TAG = 'sensedia:ledger-id';

const INSTANCE_LENGTH = 8;
const LEDGER_ID_LENGTH = 16;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MARKER = /^([0-9a-f]{8})\.([a-z0-9]{16})$/;
/** In a client name the marker is the last word, after " cw=". */
const CLIENT_NAME_MARKER = /(?:^|\s)cw=([0-9a-f]{8}\.[a-z0-9]{16})$/;

export interface Marker {
  readonly instance: string;
  readonly ledgerId: string;
}

/** The deployment's instance: derived from its ledger table's name, unique per account and Region. */
export function instanceOf(ledgerName: string): string {
  return createHash('sha256').update(ledgerName).digest('hex').slice(0, INSTANCE_LENGTH);
}

/** A new ledger id: 16 characters of [a-z0-9], about 82 bits of randomness. */
export function newLedgerId(): string {
  let id = '';
  while (id.length < LEDGER_ID_LENGTH) {
    for (const byte of randomBytes(LEDGER_ID_LENGTH * 2)) {
      // 252 is the largest multiple of 36 below 256: no bias.
      if (byte < 252 && id.length < LEDGER_ID_LENGTH) id += ID_ALPHABET[byte % ID_ALPHABET.length];
    }
  }
  return id;
}

export function formatMarker(marker: Marker): string {
  return `${marker.instance}.${marker.ledgerId}`;
}

export function parseMarker(value: string | undefined): Marker | undefined {
  const match = value === undefined ? null : MARKER.exec(value);
  return match === null ? undefined : { instance: match[1] as string, ledgerId: match[2] as string };
}

/** What a client name ends with: " cw=<marker>" (29 characters). */
export function clientNameSuffix(marker: Marker): string {
  return ` cw=${formatMarker(marker)}`;
}

/** The marker at the end of a client name, if there is one. */
export function markerInClientName(name: string | undefined): Marker | undefined {
  const match = name === undefined ? null : CLIENT_NAME_MARKER.exec(name);
  return match === null ? undefined : parseMarker(match[1]);
}
