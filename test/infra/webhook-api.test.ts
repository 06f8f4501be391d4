/** The REST API: exactly the contract's routes, proxied to the function, throttled and logged. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { parse } from 'yaml';
import { TLS_SECURITY_POLICY, WebhookApi, type WebhookApiProps } from '../../lib/webhook-api';
import { logicalId, onlyResource, PLAN_A, testStack, webhookFixture } from './support';

interface MethodProperties {
  HttpMethod: string;
  ResourceId: { Ref: string };
  AuthorizationType: string;
  Integration: { Type: string; IntegrationHttpMethod: string; Uri: unknown };
}
interface ResourceProperties {
  PathPart: string;
  ParentId: { Ref?: string };
}

/** "METHOD /full/path" for every method of the template. */
function routes(template: Template): string[] {
  const resources = template.findResources('AWS::ApiGateway::Resource') as Record<
    string,
    { Properties: ResourceProperties }
  >;
  const pathOf = (id: string): string => {
    const resource = resources[id];
    if (resource === undefined) return '';
    const parent = resource.Properties.ParentId.Ref;
    return `${parent === undefined ? '' : pathOf(parent)}/${resource.Properties.PathPart}`;
  };
  return Object.values(template.findResources('AWS::ApiGateway::Method'))
    .map((method) => method.Properties as MethodProperties)
    .map((method) => `${method.HttpMethod} ${pathOf(method.ResourceId.Ref)}`)
    .sort();
}

function apiFixture(props: Partial<WebhookApiProps> = {}) {
  const stack = testStack();
  const handler = lambda.Function.fromFunctionArn(
    stack,
    'Handler',
    'arn:aws:lambda:us-east-1:123456789012:function:webhook',
  );
  const api = new WebhookApi(stack, 'Api', { handler, ...props });
  return { stack, api, template: Template.fromStack(stack) };
}

describe('the webhook API', () => {
  test("exposes exactly the contract's routes: the Portal's four and validateCredentials", () => {
    const { template } = apiFixture();

    expect(routes(template)).toEqual([
      'ANY /v1/createCredentials',
      'ANY /v1/health',
      'ANY /v1/revokeCredentials',
      'ANY /v1/updateCredentials',
      'ANY /v1/validateCredentials',
      'GET /v1/health',
      'POST /v1/createCredentials',
      'POST /v1/revokeCredentials',
      'POST /v1/updateCredentials',
      'POST /v1/validateCredentials',
    ]);
  });

  test('has each operation of the contract (openapi.yaml) as a route, and no other', () => {
    const { template } = apiFixture();
    const contract = parse(readFileSync(join(__dirname, '..', '..', 'openapi.yaml'), 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };

    const operations = Object.entries(contract.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(routes(template).filter((route) => !route.startsWith('ANY '))).toEqual(operations.sort());
  });

  test("exposes the Portal's four routes only when validationEndpoint is false", () => {
    const { template } = apiFixture({ validationEndpoint: false });

    expect(routes(template)).toEqual([
      'ANY /v1/createCredentials',
      'ANY /v1/health',
      'ANY /v1/revokeCredentials',
      'ANY /v1/updateCredentials',
      'GET /v1/health',
      'POST /v1/createCredentials',
      'POST /v1/revokeCredentials',
      'POST /v1/updateCredentials',
    ]);
  });

  test('declares validateCredentials as createCredentials is: a named proxy method, no API Gateway auth or validator', () => {
    const { template } = apiFixture();
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map(
      (resource) => resource.Properties as Record<string, unknown>,
    );
    const declared = (name: string) => {
      const {
        ResourceId: _resource,
        OperationName: _name,
        ...rest
      } = methods.find((method) => method.OperationName === name) ?? {};
      return rest;
    };

    expect(declared('validateCredentials')).toEqual(declared('createCredentials'));
    expect(declared('validateCredentials')).toMatchObject({ HttpMethod: 'POST', AuthorizationType: 'NONE' });
    expect(declared('validateCredentialsOtherMethods')).toMatchObject({ HttpMethod: 'ANY' });
    template.resourceCountIs('AWS::ApiGateway::RequestValidator', 0);
  });

  test('leaves the route out of a CredentialWebhook with validationEndpoint false', () => {
    const { template } = webhookFixture({ allowedUsagePlanIds: [PLAN_A], validationEndpoint: false });

    expect(routes(template).filter((route) => route.includes('validateCredentials'))).toEqual([]);
  });

  test('proxies every route to the function without API Gateway auth (the function checks Basic auth)', () => {
    const fixture = webhookFixture();
    const functionId = logicalId(fixture.stack, fixture.webhook.lambdaFunction);

    const methods = Object.values(fixture.template.findResources('AWS::ApiGateway::Method')).map(
      (method) => method.Properties as MethodProperties,
    );

    // The five routes, and ANY on each path so that the function answers 405 for other methods.
    expect(methods).toHaveLength(10);
    for (const method of methods) {
      expect(method.AuthorizationType).toBe('NONE');
      expect(method.Integration.Type).toBe('AWS_PROXY');
      expect(method.Integration.IntegrationHttpMethod).toBe('POST');
      expect(JSON.stringify(method.Integration.Uri)).toContain(functionId);
    }
  });

  test('is a regional endpoint', () => {
    const { template } = apiFixture();

    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  });

  test('throttles the stage at 10 requests per second with bursts of 20 by default', () => {
    const { template } = apiFixture();

    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 10,
          ThrottlingBurstLimit: 20,
        }),
      ],
    });
  });

  test('takes the stage name and throttling from its props', () => {
    const { template } = apiFixture({ stageName: 'live', throttlingRateLimit: 2, throttlingBurstLimit: 5 });

    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'live',
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 2, ThrottlingBurstLimit: 5 })],
    });
  });

  test('logs execution errors only, never request data', () => {
    const { template } = apiFixture();

    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [
        Match.objectLike({ LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true }),
      ],
    });
  });

  test('writes one JSON access-log line per request to its own log group, without headers or bodies', () => {
    const { stack, api, template } = apiFixture();
    const stage = onlyResource(template, 'AWS::ApiGateway::Stage').properties as {
      AccessLogSetting: { DestinationArn: unknown; Format: string };
    };

    const format = JSON.parse(stage.AccessLogSetting.Format) as Record<string, string>;

    expect(stage.AccessLogSetting.DestinationArn).toEqual({
      'Fn::GetAtt': [logicalId(stack, api.accessLogGroup), 'Arn'],
    });
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      resourcePath: '$context.resourcePath',
      responseLatency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
    });
    expect(Object.values(format).filter((field) => /header|requestOverride|body/i.test(field))).toEqual([]);
  });

  test('answers a route it does not have with the contract error format and 404', () => {
    const { template } = apiFixture();

    const response = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'))
      .map(
        (resource) =>
          resource.Properties as {
            ResponseType: string;
            StatusCode?: string;
            ResponseTemplates: Record<string, string>;
          },
      )
      .find((properties) => properties.ResponseType === 'MISSING_AUTHENTICATION_TOKEN');

    expect(response?.StatusCode).toBe('404');
    expect(JSON.parse(response?.ResponseTemplates['application/json'] ?? '{}')).toEqual({
      message: 'There is no endpoint at this path for this method.',
      code: 'ROUTE_NOT_FOUND',
      details: [],
    });
  });

  test('answers its own throttling with 429 and Retry-After', () => {
    const { template } = apiFixture();

    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'THROTTLED',
      StatusCode: '429',
      ResponseParameters: Match.objectLike({ 'gatewayresponse.header.Retry-After': "'1'" }),
    });
  });

  test('marks every response it produces itself as not cacheable', () => {
    const { template } = apiFixture();

    const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse')).map(
      (resource) => resource.Properties as { ResponseParameters: Record<string, string> },
    );

    expect(responses.length).toBeGreaterThan(0);
    for (const response of responses) {
      expect(response.ResponseParameters['gatewayresponse.header.Cache-Control']).toBe("'no-store'");
    }
  });

  test('denies sources outside allowedSourceCidrs with a resource policy', () => {
    const { template } = apiFixture({ allowedSourceCidrs: ['203.0.113.0/24', '2001:db8::/32'] });

    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'execute-api:Invoke',
            Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } },
          }),
        ]),
      },
    });
  });

  test('has no resource policy when any source may call', () => {
    const { template } = apiFixture();

    const api = onlyResource(template, 'AWS::ApiGateway::RestApi').properties;

    expect(api.Policy).toBeUndefined();
  });

  test('accepts TLS 1.3 and TLS 1.2 with forward secrecy only, on the default endpoint', () => {
    const { template } = apiFixture();

    const api = onlyResource(template, 'AWS::ApiGateway::RestApi').properties;

    expect([api.SecurityPolicy, api.EndpointAccessMode]).toEqual([
      'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09',
      'STRICT',
    ]);
    // Never a TLS 1.3-only policy: the Portal's client may stop at TLS 1.2.
    expect(TLS_SECURITY_POLICY).toMatch(/^SecurityPolicy_TLS13_1_2_/);
  });

  test('logs the TLS version and cipher of each request, and the API id throttling is counted by', () => {
    const { template } = apiFixture();
    const stage = onlyResource(template, 'AWS::ApiGateway::Stage').properties as {
      AccessLogSetting: { Format: string };
    };

    expect(JSON.parse(stage.AccessLogSetting.Format)).toMatchObject({
      tlsVersion: '$context.tlsVersion',
      cipherSuite: '$context.cipherSuite',
      apiId: '$context.apiId',
    });
  });

  test('creates a regional web ACL for the stage by default: IP reputation list, then a per-IP rate limit', () => {
    const { stack, api, template } = apiFixture();

    const acl = onlyResource(template, 'AWS::WAFv2::WebACL').properties;

    expect(acl).toMatchObject({
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true },
      Rules: [
        {
          Name: 'AWSManagedRulesAmazonIpReputationList',
          Priority: 0,
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesAmazonIpReputationList' },
          },
          OverrideAction: { None: {} },
          VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true },
        },
        {
          Name: 'RateLimitPerIp',
          Priority: 1,
          Statement: { RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
          Action: { Block: {} },
          VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true },
        },
      ],
    });
    const association = onlyResource(template, 'AWS::WAFv2::WebACLAssociation').properties;
    const created = api.webAcl;
    if (created === undefined) throw new Error('no web ACL created');
    expect(association.WebACLArn).toEqual({ 'Fn::GetAtt': [logicalId(stack, created), 'Arn'] });
    expect(JSON.stringify(association.ResourceArn)).toContain(logicalId(stack, api.stage));
  });

  test('takes the per-IP rate limit from its props', () => {
    const { template } = apiFixture({ webAclRateLimit: 500 });

    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ Limit: 500 }) } }),
      ]),
    });
  });

  test('leaves the stage without WAF when createWebAcl is false', () => {
    const { template } = apiFixture({ createWebAcl: false });

    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  test('associates the stage with the given WAF web ACL instead of creating one', () => {
    const webAclArn = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/portal/0123abcd';
    const { stack, api, template } = apiFixture({ webAclArn });

    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(api.webAcl).toBeUndefined();

    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: webAclArn,
      ResourceArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
    expect(JSON.stringify(template.findResources('AWS::WAFv2::WebACLAssociation'))).toContain(
      logicalId(stack, api.stage),
    );
  });

  test('leaves the account-level CloudWatch role alone unless asked', () => {
    const { template } = apiFixture();

    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  test('creates the account-level CloudWatch role when asked', () => {
    const { template } = apiFixture({ cloudWatchRole: true });

    template.resourceCountIs('AWS::ApiGateway::Account', 1);
  });

  test('adds no output of its own (the stack outputs the base URL)', () => {
    const { template } = apiFixture();

    expect(template.findOutputs('*')).toEqual({});
  });

  test.each<[string, Partial<WebhookApiProps>, string]>([
    [
      'a stage name with a slash',
      { stageName: 'v1/prod' },
      'stageName must be 1-128 letters, digits, "-" or "_"',
    ],
    ['a zero rate', { throttlingRateLimit: 0 }, 'throttlingRateLimit must be above 0 and at most 10000'],
    [
      'a fractional burst',
      { throttlingBurstLimit: 2.5 },
      'throttlingBurstLimit must be an integer from 1 to 5000',
    ],
    [
      'an empty CIDR list',
      { allowedSourceCidrs: [] },
      'allowedSourceCidrs must list at least one CIDR range',
    ],
    [
      'a bare address',
      { allowedSourceCidrs: ['203.0.113.7'] },
      'allowedSourceCidrs has invalid CIDR ranges: 203.0.113.7',
    ],
    [
      'a WAF classic ARN',
      { webAclArn: 'arn:aws:waf::123456789012:webacl/x' },
      'webAclArn must be a regional WAFv2 web ACL ARN',
    ],
    [
      'both an existing web ACL and createWebAcl',
      {
        webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/portal/0123abcd',
        createWebAcl: true,
      },
      'createWebAcl and webAclArn exclude each other',
    ],
    [
      'a rate limit with no web ACL created',
      { createWebAcl: false, webAclRateLimit: 100 },
      'webAclRateLimit applies to the created web ACL only',
    ],
    [
      "a rate limit below WAF's minimum",
      { webAclRateLimit: 5 },
      'webAclRateLimit must be an integer from 10',
    ],
  ])('refuses %s', (_case, props, message) => {
    const create = () => apiFixture(props);

    expect(create).toThrow(`WebhookApi: ${message}`);
  });
});
