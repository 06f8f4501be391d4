/**
 * The webhook's public face: a regional REST API with exactly the contract's routes (the Portal's
 * four, and validateCredentials for backends unless left out), each a Lambda proxy integration,
 * with stage throttling, JSON access logs, API Gateway's own error responses in the contract's
 * error format, a TLS 1.3-first security policy and (by default) a WAF web ACL with a per-IP rate
 * limit and AWS's IP reputation list.
 */
import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledgeFindings, acknowledgeRule } from './nag';
import { checkInteger, InvalidPropsError } from './validation';

/** The Portal's routes of the contract (openapi.yaml). */
export const WEBHOOK_ROUTES = [
  { method: 'GET', path: '/v1/health' },
  { method: 'POST', path: '/v1/createCredentials' },
  { method: 'POST', path: '/v1/updateCredentials' },
  { method: 'POST', path: '/v1/revokeCredentials' },
] as const;

/** The contract's route for backends (with Basic credentials of their own): is a credential valid? */
export const VALIDATION_ROUTE = { method: 'POST', path: '/v1/validateCredentials' } as const;

export interface WebhookApiProps {
  /** The function behind every route. */
  readonly handler: lambda.IFunction;
  /**
   * Expose POST /v1/validateCredentials; false leaves the API with the Portal's routes only.
   * @default true
   */
  readonly validationEndpoint?: boolean;
  /**
   * Stage name; the webhook's base URL ends with it.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Steady-state requests per second the stage accepts (the Portal calls on app approval, so a
   * higher rate means something else is calling).
   * @default 10
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst of requests the stage accepts.
   * @default 20
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Retention of the access log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * Source CIDR ranges allowed to call the webhook (e.g. the Portal's egress addresses); others
   * get 403 from a resource policy before the function runs.
   * @default - any source (the function's Basic auth still applies)
   */
  readonly allowedSourceCidrs?: readonly string[];
  /**
   * An existing regional AWS WAFv2 web ACL to associate with the stage, instead of the one the
   * construct creates.
   * @default - the created web ACL (see createWebAcl)
   */
  readonly webAclArn?: string;
  /**
   * Create a web ACL for the stage (per-IP rate limit and AWS's IP reputation list) when no
   * webAclArn is given; false leaves the stage without WAF.
   * @default true
   */
  readonly createWebAcl?: boolean;
  /**
   * Created web ACL: requests one source IP may send in 5 minutes before WAF blocks it (10 to
   * 2,000,000,000). The Portal calls a few times a minute, so 100 leaves it ample headroom.
   * @default 100
   */
  readonly webAclRateLimit?: number;
  /**
   * Create the account-level role API Gateway needs to write logs to CloudWatch. Needed once per
   * account and Region; leave it off when the account already has one (it is account-wide).
   * @default false
   */
  readonly cloudWatchRole?: boolean;
  /**
   * What happens to the access log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const CIDR = /^(?:\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}|[0-9A-Fa-f:]+:[0-9A-Fa-f:]*\/\d{1,3})$/;
const WEB_ACL_ARN = /^arn:[\w-]+:wafv2:[\w-]+:\d{12}:regional\/webacl\/.+$/;

/** Default of webAclRateLimit: requests per source IP per 5 minutes. */
export const DEFAULT_WEB_ACL_RATE_LIMIT = 100;

/**
 * The strongest policy API Gateway offers a regional REST API that still accepts TLS 1.2: TLS 1.3,
 * and TLS 1.2 with forward-secret (ECDHE) ciphers only, both with post-quantum hybrid key exchange.
 * The TLS 1.3-only policies would refuse a Portal client that stops at TLS 1.2.
 */
export const TLS_SECURITY_POLICY = 'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09';

/** One JSON object per request; no header or body is logged (they carry credentials). */
const ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
  JSON.stringify({
    requestId: apigw.AccessLogField.contextRequestId(),
    extendedRequestId: apigw.AccessLogField.contextExtendedRequestId(),
    requestTime: apigw.AccessLogField.contextRequestTime(),
    sourceIp: apigw.AccessLogField.contextIdentitySourceIp(),
    userAgent: apigw.AccessLogField.contextIdentityUserAgent(),
    httpMethod: apigw.AccessLogField.contextHttpMethod(),
    resourcePath: apigw.AccessLogField.contextResourcePath(),
    protocol: apigw.AccessLogField.contextProtocol(),
    status: apigw.AccessLogField.contextStatus(),
    responseLength: apigw.AccessLogField.contextResponseLength(),
    responseLatency: apigw.AccessLogField.contextResponseLatency(),
    integrationLatency: apigw.AccessLogField.contextIntegrationLatency(),
    integrationStatus: apigw.AccessLogField.contextIntegrationStatus(),
    errorMessage: apigw.AccessLogField.contextErrorMessage(),
    // CDK has no AccessLogField for these; they show which clients still use TLS 1.2.
    tlsVersion: '$context.tlsVersion',
    cipherSuite: '$context.cipherSuite',
    // Throttled (429) requests are counted from the access log by this id (see WebhookMonitoring).
    apiId: '$context.apiId',
  }),
);

/** Answers API Gateway gives by itself, rewritten to the contract's `{message, code, details}`. */
const GATEWAY_RESPONSES: ReadonlyArray<{
  readonly id: string;
  readonly type: apigw.ResponseType;
  readonly statusCode?: string;
  readonly code: string;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}> = [
  {
    // API Gateway's answer to a path or method it has no route for.
    id: 'RouteNotFound',
    type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    statusCode: '404',
    code: 'ROUTE_NOT_FOUND',
    message: 'There is no endpoint at this path for this method.',
  },
  {
    id: 'Throttled',
    type: apigw.ResponseType.THROTTLED,
    statusCode: '429',
    code: 'TOO_MANY_REQUESTS',
    message: 'Too many requests; retry later.',
    headers: { 'Retry-After': '1' },
  },
  {
    id: 'PayloadTooLarge',
    type: apigw.ResponseType.REQUEST_TOO_LARGE,
    statusCode: '413',
    code: 'PAYLOAD_TOO_LARGE',
    message: 'The request body is too large.',
  },
  {
    id: 'AccessDenied',
    type: apigw.ResponseType.ACCESS_DENIED,
    statusCode: '403',
    code: 'FORBIDDEN',
    message: 'This source may not call the webhook.',
  },
  {
    id: 'WafFiltered',
    type: apigw.ResponseType.WAF_FILTERED,
    statusCode: '403',
    code: 'FORBIDDEN',
    message: 'The request was blocked.',
  },
  {
    id: 'Default4xx',
    type: apigw.ResponseType.DEFAULT_4XX,
    code: 'GATEWAY_REJECTED',
    message: 'API Gateway rejected the request.',
  },
  {
    id: 'Default5xx',
    type: apigw.ResponseType.DEFAULT_5XX,
    code: 'GATEWAY_ERROR',
    message: 'The webhook could not answer; retry later.',
  },
];

/** Static header values are quoted for API Gateway's mapping syntax. */
function staticHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, `'${value}'`]));
}

export class WebhookApi extends Construct {
  readonly restApi: apigw.RestApi;
  readonly stage: apigw.Stage;
  readonly accessLogGroup: logs.LogGroup;
  /** The web ACL the construct created; undefined with webAclArn or createWebAcl false. */
  readonly webAcl: wafv2.CfnWebACL | undefined;
  /** `https://<api>.execute-api.<region>.<suffix>/<stage>`: the routes are below it. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? 'prod';
    const rateLimit = props.throttlingRateLimit ?? 10;
    const burstLimit = props.throttlingBurstLimit ?? 20;
    validate(props, stageName, rateLimit, burstLimit);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.restApi = new apigw.RestApi(this, 'Api', {
      description: 'Sensedia Developer Portal credential webhook',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: props.cloudWatchRole ?? false,
      policy: sourcePolicy(props.allowedSourceCidrs),
      deployOptions: {
        stageName,
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: burstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: ACCESS_LOG_FORMAT,
        // Execution logs for errors only; data tracing would log request bodies (credentials).
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
      },
    });
    this.stage = this.restApi.deploymentStage;
    // RestApi has no prop for these yet (CfnRestApi has). An enhanced policy requires an endpoint
    // access mode; STRICT also refuses requests whose TLS SNI names another host or endpoint type.
    const cfnApi = this.restApi.node.defaultChild as apigw.CfnRestApi;
    cfnApi.securityPolicy = TLS_SECURITY_POLICY;
    cfnApi.endpointAccessMode = 'STRICT';
    // RestApi adds an "Endpoint" output; baseUrl (without the trailing slash) is the one to use.
    this.restApi.node.tryRemoveChild('Endpoint');

    const integration = new apigw.LambdaIntegration(props.handler, { proxy: true, allowTestInvoke: false });
    const version = this.restApi.root.addResource('v1');
    const routes =
      props.validationEndpoint === false ? WEBHOOK_ROUTES : [...WEBHOOK_ROUTES, VALIDATION_ROUTE];
    for (const route of routes) {
      const name = route.path.replace('/v1/', '');
      const resource = version.addResource(name);
      resource.addMethod(route.method, integration, {
        authorizationType: apigw.AuthorizationType.NONE,
        operationName: name,
      });
      // Any other method reaches the function too, which answers 405 with Allow as the contract says
      // (API Gateway alone would answer 403 "Missing Authentication Token").
      resource.addMethod('ANY', integration, {
        authorizationType: apigw.AuthorizationType.NONE,
        operationName: `${name}OtherMethods`,
      });
    }

    for (const response of GATEWAY_RESPONSES) {
      this.restApi.addGatewayResponse(response.id, {
        type: response.type,
        ...(response.statusCode !== undefined && { statusCode: response.statusCode }),
        responseHeaders: staticHeaders({
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
          ...response.headers,
        }),
        templates: {
          'application/json': JSON.stringify({ message: response.message, code: response.code, details: [] }),
        },
      });
    }

    this.webAcl =
      props.webAclArn === undefined && props.createWebAcl !== false
        ? this.createWebAcl(props.webAclRateLimit ?? DEFAULT_WEB_ACL_RATE_LIMIT)
        : undefined;
    const webAclArn = props.webAclArn ?? this.webAcl?.attrArn;
    if (webAclArn !== undefined) {
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', { resourceArn: this.stage.stageArn, webAclArn });
    }

    const stack = Stack.of(this);
    this.baseUrl = `https://${this.restApi.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stageName}`;
    this.suppressFindings(props);
  }

  /** Blocks known-bad addresses, then any source IP over its rate; everything else goes on. */
  private createWebAcl(rateLimit: number): wafv2.CfnWebACL {
    // Metrics and sampled requests for the ACL and each rule (the WAF console shows both).
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    return new wafv2.CfnWebACL(this, 'WebAclRules', {
      description: 'Credential webhook: AWS IP reputation list and a per-IP rate limit',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('CredentialWebhookWebAcl'),
      rules: [
        {
          name: 'AWSManagedRulesAmazonIpReputationList',
          priority: 0,
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesAmazonIpReputationList' },
          },
          overrideAction: { none: {} },
          visibilityConfig: visibility('CredentialWebhookIpReputation'),
        },
        {
          name: 'RateLimitPerIp',
          priority: 1,
          statement: {
            rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
          },
          action: { block: {} },
          visibilityConfig: visibility('CredentialWebhookRateLimit'),
        },
      ],
    });
  }

  private suppressFindings(props: WebhookApiProps): void {
    acknowledgeRule(
      this.restApi,
      'AwsSolutions-APIG2',
      'The function validates every request body against the contract schemas and answers 400 in the ' +
        "contract's error format; an API Gateway validator would answer in another format.",
    );
    acknowledgeRule(
      this.restApi,
      'AwsSolutions-APIG4',
      'Callers authenticate with HTTP Basic credentials (the Portal with its own, validateCredentials callers ' +
        'with theirs), which the function checks (in constant time) against a Secrets Manager secret on every ' +
        'route, health included; API Gateway has no Basic-auth authorizer, and a Lambda authorizer would only ' +
        'add a second cold start.',
    );
    acknowledgeRule(
      this.restApi,
      'AwsSolutions-COG4',
      'Callers (the Sensedia Portal, and backends asking validateCredentials) send HTTP Basic credentials, not ' +
        'Cognito tokens (a token to validate is the request body, not its authorization); the function checks ' +
        'them on every route.',
    );
    if (props.webAclArn === undefined && props.createWebAcl === false) {
      acknowledgeRule(
        this.stage,
        'AwsSolutions-APIG3',
        'WAF was turned off on purpose (createWebAcl false): the webhook has a handful of routes, Basic auth ' +
          'on all of them and stage throttling, and can be limited to known caller addresses with allowedSourceCidrs.',
      );
    }
    if (props.cloudWatchRole === true) {
      acknowledgeFindings(
        this.restApi,
        'AwsSolutions-IAM4',
        ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
        'The account-level API Gateway logging role uses the AWS managed policy made for exactly that role ' +
          '(it only lets API Gateway write its logs to CloudWatch Logs).',
      );
    }
  }
}

function validate(props: WebhookApiProps, stageName: string, rateLimit: number, burstLimit: number): void {
  const fail = (message: string) => new InvalidPropsError('WebhookApi', message);
  if (!Token.isUnresolved(stageName) && !STAGE_NAME.test(stageName)) {
    throw fail(`stageName must be 1-128 letters, digits, "-" or "_", got "${stageName}"`);
  }
  if (!Token.isUnresolved(rateLimit) && !(rateLimit > 0 && rateLimit <= 10_000)) {
    throw fail(`throttlingRateLimit must be above 0 and at most 10000 requests per second, got ${rateLimit}`);
  }
  checkInteger('WebhookApi', 'throttlingBurstLimit', burstLimit, 1, 5_000);
  const cidrs = props.allowedSourceCidrs;
  if (cidrs !== undefined) {
    if (cidrs.length === 0) {
      throw fail('allowedSourceCidrs must list at least one CIDR range (leave it unset to allow any source)');
    }
    const bad = cidrs.filter((cidr) => !Token.isUnresolved(cidr) && !CIDR.test(cidr));
    if (bad.length > 0) throw fail(`allowedSourceCidrs has invalid CIDR ranges: ${bad.join(', ')}`);
  }
  const webAcl = props.webAclArn;
  if (webAcl !== undefined && !Token.isUnresolved(webAcl) && !WEB_ACL_ARN.test(webAcl)) {
    throw fail(`webAclArn must be a regional WAFv2 web ACL ARN, got "${webAcl}"`);
  }
  if (webAcl !== undefined && props.createWebAcl === true) {
    throw fail('createWebAcl and webAclArn exclude each other: webAclArn replaces the created web ACL');
  }
  const webAclRate = props.webAclRateLimit;
  if (webAclRate !== undefined) {
    if (webAcl !== undefined || props.createWebAcl === false) {
      throw fail('webAclRateLimit applies to the created web ACL only; none is created here');
    }
    checkInteger('WebhookApi', 'webAclRateLimit', webAclRate, 10, 2_000_000_000);
  }
}

/** Allow everyone, then deny sources outside the CIDR ranges (a deny wins over the allow). */
function sourcePolicy(cidrs: readonly string[] | undefined): iam.PolicyDocument | undefined {
  if (cidrs === undefined) return undefined;
  const invoke = {
    actions: ['execute-api:Invoke'],
    resources: ['execute-api:/*'],
    principals: [new iam.AnyPrincipal()],
  };
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({ ...invoke, effect: iam.Effect.ALLOW }),
      new iam.PolicyStatement({
        ...invoke,
        effect: iam.Effect.DENY,
        conditions: { NotIpAddress: { 'aws:SourceIp': [...cidrs] } },
      }),
    ],
  });
}
