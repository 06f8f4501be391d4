/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundle only (an esbuild alias in
 * lib/bundling.ts). In Lambda the execution role's credentials are always in the environment, so
 * the default chain's SSO, INI, process, web-identity and IMDS providers (~110 KB minified, with
 * their nested STS/SSO clients) would only add to the cold start. Local runs keep the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** Same name and shape as the default chain that the SDK clients' runtime config imports. */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
