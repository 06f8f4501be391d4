/**
 * The library's public surface: the CredentialWebhook construct, the per-concern constructs it is
 * built from, a deployable stack taking typed props, and their props types. The CDK app in bin/
 * (which reads context) imports from here only, as any other consumer would.
 */
export { BasicAuthSecret, type BasicAuthSecretProps, DEFAULT_SECRET_ADMIN_ARNS } from './basic-auth-secret';
export { ClientCredentialsPool, type ClientCredentialsPoolProps } from './client-credentials-pool';
export {
  type CommonPermissionsProps,
  CredentialPermissions,
  type CredentialPermissionsProps,
  ReconcilerPermissions,
} from './credential-permissions';
export {
  type ClientCredentialsOptions,
  CredentialWebhook,
  type CredentialWebhookProps,
} from './credential-webhook';
export { CredentialWebhookStack, type CredentialWebhookStackProps } from './credential-webhook-stack';
export { CredentialLedgerTable, type CredentialLedgerTableProps } from './ledger-table';
export { type FunctionLoggingProps, LOG_LEVELS, type LogLevel } from './owned-function';
export {
  CredentialReconciler,
  type CredentialReconcilerProps,
  DEFAULT_RECONCILE_GRACE,
  DEFAULT_RECONCILE_INTERVAL,
} from './reconciler-function';
export { CREDENTIAL_TYPES, type CredentialType, InvalidPropsError } from './validation';
export { WebhookApi, type WebhookApiProps } from './webhook-api';
export { WebhookFunction, type WebhookFunctionProps } from './webhook-function';
export {
  type ReconcilerMonitoring,
  WebhookMonitoring,
  type WebhookMonitoringProps,
} from './webhook-monitoring';
