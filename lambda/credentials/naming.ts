/**
 * Names and tags derived from the app, kept within AWS's length and character rules so a
 * strange app name never makes AWS refuse the call.
 */
import { clientNameSuffix, formatMarker, MARKER_TAG, type Marker } from './marker';

/** Tag on every key the webhook issues: IAM lets the function change and delete only keys tagged so. */
export const MANAGED_BY_TAG = 'sensedia:managed-by';
export const MANAGED_BY_VALUE = 'credential-webhook';

/**
 * Replaces each run of disallowed characters with one '-' (characters that were already there,
 * such as '--' in an e-mail, stay as they are), trims, and cuts to `max` characters.
 * `disallowed` must match runs (end in `+`) and be global.
 */
function clean(value: string, disallowed: RegExp, max: number): string {
  return value.normalize('NFKC').replace(disallowed, '-').trim().slice(0, max).trim();
}

/** The cleaned text, or `fallback` when nothing readable (no letter or digit) is left of it. */
function readable(text: string, fallback: string): string {
  return /[\p{L}\p{N}]/u.test(text) ? text : fallback;
}

/** API key name: "<app> (<developer>)", 128 characters at most. */
export function apiKeyName(appName: string, developer: string): string {
  const dev = readable(clean(developer, /[^\w.@+-]+/g, 64), 'developer');
  const app = readable(clean(appName, /[^\w .@+-]+/g, 128 - dev.length - 3), 'app');
  return `${app} (${dev})`;
}

/**
 * Cognito app client name: [\w\s+=,.@-] in ASCII (a plain space only), 128 characters at most,
 * ending with the ledger marker (clients take no tags).
 */
export function clientName(appName: string, developer: string, marker: Marker): string {
  const suffix = clientNameSuffix(marker);
  const dev = readable(clean(developer, /[^\w+=,.@-]+/g, 48), 'developer');
  const app = readable(clean(appName, /[^\w +=,.@-]+/g, 128 - suffix.length - dev.length - 3), 'app');
  return `${app} - ${dev}${suffix}`;
}

/** Description shown in the API Gateway console next to the key. */
export function apiKeyDescription(appSlug: string | undefined): string {
  const slug = appSlug === undefined ? '' : ` ${clean(appSlug, /[^\w.@+-]+/g, 128)}`;
  return `Issued by the Sensedia Developer Portal credential webhook for app${slug}`;
}

/** AWS tag values allow letters, digits, spaces and _.:/=+-@, up to 256 characters. */
export function tagValue(value: string): string {
  return clean(value, /[^\p{L}\p{N} _.:/=+@-]+/gu, 256);
}

export function resourceTags(
  appSlug: string | undefined,
  developer: string,
  marker: Marker,
): Record<string, string> {
  const tags: Record<string, string> = {
    [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
    [MARKER_TAG]: formatMarker(marker),
    'sensedia:developer': tagValue(developer),
  };
  if (appSlug !== undefined) tags['sensedia:app-slug'] = tagValue(appSlug);
  return tags;
}
