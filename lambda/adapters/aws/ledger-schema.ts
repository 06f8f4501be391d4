/**
 * The names of the ledger table's schema that the DynamoDB adapter and the CDK table share
 * (lib/ledger-table.ts imports this file, which imports nothing).
 */

/** Partition key of every item. */
export const PARTITION_KEY = 'pk';
/** DynamoDB's TTL attribute: create records, and ended entries after 400 days. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** The SHA-256 of an API key's value, on API-key credential items (never the value). */
export const API_KEY_HASH_ATTRIBUTE = 'apiKeyHash';
/** Global secondary index on API_KEY_HASH_ATTRIBUTE (sparse: only API-key items carry it). */
export const API_KEY_HASH_INDEX = 'byApiKeyHash';
