/**
 * The reconciler's metrics (namespace CredentialWebhook, dimension service=credential-reconciler);
 * the stack's alarms and dashboard read them (lib/reconciler-function.ts keeps a copy, in step by a test).
 */
export const RECONCILER_METRICS = {
  drift: 'ReconcileDrift',
  deleted: 'ReconcileDeleted',
  unbound: 'ReconcileUnbound',
  missing: 'ReconcileMissing',
  expired: 'ReconcileExpired',
  failed: 'ReconcileFailedActions',
} as const;
