/**
 * The Cognito user pool the webhook issues client-credentials app clients in: an existing pool
 * (imported by id, with its token endpoint), or a new one with a resource server, custom scopes
 * and a Cognito domain for the `/oauth2/token` endpoint.
 */
import { Arn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledgeRule } from './nag';
import { duplicates, InvalidPropsError, SCOPE_NAME, USER_POOL_ID } from './validation';

export interface ClientCredentialsPoolProps {
  /**
   * Create a new user pool (with a resource server and a domain) instead of importing one.
   * @default false
   */
  readonly createUserPool?: boolean;
  /**
   * Id of the existing pool to import, e.g. "us-east-1_AbC123". Required unless createUserPool.
   * @default - none
   */
  readonly userPoolId?: string;
  /**
   * Token endpoint of the imported pool's domain (a custom domain included), e.g.
   * "https://auth.example.com/oauth2/token". For an imported pool: this or domainPrefix.
   * @default - derived from domainPrefix
   */
  readonly tokenUrl?: string;
  /**
   * Prefix of the pool's Cognito domain ("<prefix>.auth.<region>.amazoncognito.com"). Required
   * when creating a pool (the domain is created too); for an imported pool, the prefix of its
   * existing domain, as an alternative to tokenUrl.
   * @default - none
   */
  readonly domainPrefix?: string;
  /**
   * Identifier of the new pool's resource server: scopes are "<identifier>/<scope>".
   * @default 'api'
   */
  readonly resourceServerIdentifier?: string;
  /**
   * Scope names of the new pool's resource server, e.g. ["read", "write"]. Required when
   * creating a pool.
   * @default - none
   */
  readonly scopes?: readonly string[];
  /**
   * What happens to a created pool (and every app client in it) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const NAME = 'ClientCredentialsPool';
const DOMAIN_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Cognito refuses domain prefixes containing these words. */
const RESERVED_IN_PREFIX = ['aws', 'amazon', 'cognito'];
const RESOURCE_SERVER_IDENTIFIER = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/;

export class ClientCredentialsPool extends Construct {
  readonly userPool: cognito.IUserPool;
  /** ARN of the pool, for IAM statements. */
  readonly userPoolArn: string;
  readonly userPoolId: string;
  /** `https://<domain>/oauth2/token`, where developers exchange client id + secret for a JWT. */
  readonly tokenUrl: string;
  /** Full names ("<resource server>/<scope>") of the scopes the created resource server defines; empty for an imported pool. */
  readonly definedScopes: readonly string[];
  /** Set when the pool was created here. */
  readonly resourceServer: cognito.UserPoolResourceServer | undefined;
  readonly domain: cognito.UserPoolDomain | undefined;

  constructor(scope: Construct, id: string, props: ClientCredentialsPoolProps) {
    super(scope, id);
    if (props.createUserPool === true) {
      checkCreate(props);
      const created = this.createPool(props);
      this.userPool = created.pool;
      this.userPoolArn = created.pool.userPoolArn;
      this.userPoolId = created.pool.userPoolId;
      this.resourceServer = created.resourceServer;
      this.domain = created.domain;
      this.tokenUrl = `${created.domain.baseUrl()}/oauth2/token`;
      this.definedScopes = created.scopes;
    } else {
      const { userPoolId, region } = checkImport(this, props);
      // The pool id names its Region, so the ARN is exact even in a Region-agnostic stack.
      this.userPoolArn = Arn.format(
        { service: 'cognito-idp', region, resource: 'userpool', resourceName: userPoolId },
        Stack.of(this),
      );
      this.userPool = cognito.UserPool.fromUserPoolArn(this, 'UserPool', this.userPoolArn);
      this.userPoolId = userPoolId;
      this.resourceServer = undefined;
      this.domain = undefined;
      this.tokenUrl =
        props.tokenUrl ?? `https://${props.domainPrefix}.auth.${region}.amazoncognito.com/oauth2/token`;
      this.definedScopes = [];
    }
  }

  private createPool(props: ClientCredentialsPoolProps) {
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const pool = new cognito.UserPool(this, 'UserPool', {
      // Machines use this pool (client credentials): nobody signs up or signs in.
      selfSignUpEnabled: false,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      accountRecovery: cognito.AccountRecovery.NONE,
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    });
    const identifier = props.resourceServerIdentifier ?? 'api';
    const scopeNames = props.scopes ?? [];
    const resourceServer = pool.addResourceServer('ResourceServer', {
      identifier,
      userPoolResourceServerName: identifier,
      scopes: scopeNames.map(
        (scopeName) =>
          new cognito.ResourceServerScope({ scopeName, scopeDescription: `${scopeName} access` }),
      ),
    });
    const domain = pool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.domainPrefix ?? '' } });

    acknowledgeRule(
      pool,
      'AwsSolutions-COG2',
      'The pool holds no users: it only issues OAuth client-credentials tokens to app clients (machine to ' +
        'machine), which MFA does not apply to. Self sign-up is disabled.',
    );
    acknowledgeRule(
      pool,
      'AwsSolutions-COG8',
      'Plus-tier threat protection guards user sign-ins; this pool has none, only client-credentials token ' +
        'requests by app clients.',
    );
    return {
      pool,
      resourceServer,
      domain,
      scopes: scopeNames.map((scopeName) => `${identifier}/${scopeName}`),
    };
  }
}

function checkCreate(props: ClientCredentialsPoolProps): void {
  const fail = (message: string) => new InvalidPropsError(NAME, message);
  if (props.userPoolId !== undefined) {
    throw fail('userPoolId imports an existing pool; it cannot be combined with createUserPool');
  }
  if (props.tokenUrl !== undefined) {
    throw fail('tokenUrl is for an imported pool; a created pool gets its token URL from domainPrefix');
  }
  const prefix = props.domainPrefix;
  if (prefix === undefined) throw fail('domainPrefix is required when createUserPool is true');
  if (!Token.isUnresolved(prefix)) {
    if (!DOMAIN_PREFIX.test(prefix)) {
      throw fail(
        `domainPrefix must be 1-63 lowercase letters, digits or "-" (not at either end), got "${prefix}"`,
      );
    }
    const reserved = RESERVED_IN_PREFIX.find((word) => prefix.includes(word));
    if (reserved !== undefined)
      throw fail(`domainPrefix must not contain "${reserved}" (Cognito reserves it)`);
  }
  const identifier = props.resourceServerIdentifier ?? 'api';
  if (!RESOURCE_SERVER_IDENTIFIER.test(identifier)) {
    throw fail(
      `resourceServerIdentifier must be 1-256 printable characters without spaces, got "${identifier}"`,
    );
  }
  const scopes = props.scopes ?? [];
  if (scopes.length === 0) throw fail('scopes must name at least one scope when createUserPool is true');
  if (scopes.length > 100) throw fail(`a resource server holds at most 100 scopes, got ${scopes.length}`);
  const bad = scopes.filter((name) => !SCOPE_NAME.test(name) || name.length > 256);
  if (bad.length > 0)
    throw fail(`scopes has invalid scope names (no spaces, "/" or quotes): ${bad.join(', ')}`);
  const repeated = duplicates(scopes);
  if (repeated.length > 0) throw fail(`scopes lists ${repeated.join(', ')} more than once`);
}

/** The pool id and the Region it names ("us-east-1_AbC123" is in us-east-1). */
function checkImport(
  scope: Construct,
  props: ClientCredentialsPoolProps,
): { userPoolId: string; region: string } {
  const fail = (message: string) => new InvalidPropsError(NAME, message);
  const userPoolId = props.userPoolId;
  if (userPoolId === undefined) {
    throw fail('userPoolId is required to import a pool (or set createUserPool to create one)');
  }
  if (props.scopes !== undefined || props.resourceServerIdentifier !== undefined) {
    throw fail('scopes and resourceServerIdentifier define a created pool; an imported pool keeps its own');
  }
  const region = USER_POOL_ID.exec(userPoolId)?.[1];
  if (region === undefined) throw fail(`userPoolId must look like "us-east-1_AbC123", got "${userPoolId}"`);
  const stackRegion = Stack.of(scope).region;
  if (!Token.isUnresolved(stackRegion) && region !== stackRegion) {
    throw fail(`userPoolId ${userPoolId} is in ${region}, but the stack deploys to ${stackRegion}`);
  }
  if ((props.tokenUrl === undefined) === (props.domainPrefix === undefined)) {
    throw fail(
      "an imported pool needs exactly one of tokenUrl or domainPrefix (its domain's token endpoint)",
    );
  }
  if (props.tokenUrl !== undefined) checkTokenUrl(props.tokenUrl);
  if (props.domainPrefix !== undefined && !DOMAIN_PREFIX.test(props.domainPrefix)) {
    throw fail(`domainPrefix must be 1-63 lowercase letters, digits or "-", got "${props.domainPrefix}"`);
  }
  return { userPoolId, region };
}

function checkTokenUrl(tokenUrl: string): void {
  let url: URL | undefined;
  try {
    url = new URL(tokenUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.protocol !== 'https:' || url.pathname !== '/oauth2/token') {
    throw new InvalidPropsError(
      NAME,
      `tokenUrl must be an https URL ending in /oauth2/token, got "${tokenUrl}"`,
    );
  }
}
