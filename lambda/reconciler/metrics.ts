/**
 * The reconciler's metrics (namespace CredentialWebhook, dimension service=credential-reconciler).
 * The stack's alarms and dashboard read the same names: lib/ imports this file, which imports nothing.
 */
export const RECONCILER_METRICS = {
  /** Findings where AWS and the ledger disagreed (deleted, unbound, missing, failed) in one pass. */
  drift: 'ReconcileDrift',
  deleted: 'ReconcileDeleted',
  unbound: 'ReconcileUnbound',
  missing: 'ReconcileMissing',
  /** Credentials whose lifetime ended, recorded expired and deleted (not drift). */
  expired: 'ReconcileExpired',
  failed: 'ReconcileFailedActions',
} as const;

/** The reconciler's Powertools service name: the `service` dimension of its metrics. */
export const RECONCILER_SERVICE_NAME = 'credential-reconciler';
