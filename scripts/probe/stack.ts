/**
 * `--stack`: the deployed stack's outputs (CloudFormation DescribeStacks) and its Basic secret
 * (Secrets Manager GetSecretValue), read with the operator's AWS credentials. The SDK takes the
 * Region, credentials and endpoint (AWS_ENDPOINT_URL, for an emulator) from its usual sources.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Where a stack's outputs and secrets come from; tests may give their own. */
export interface StackSource {
  outputs(stackName: string): Promise<Readonly<Record<string, string>>>;
  secretString(secretId: string): Promise<string>;
  close(): void;
}

export class StackLookupError extends Error {}

/** The real clients, built once and closed by close(). */
export class AwsStackSource implements StackSource {
  private readonly cloudFormation: CloudFormationClient;
  private readonly secretsManager: SecretsManagerClient;

  constructor(region?: string) {
    const config = region === undefined ? {} : { region };
    this.cloudFormation = new CloudFormationClient(config);
    this.secretsManager = new SecretsManagerClient(config);
  }

  async outputs(stackName: string): Promise<Readonly<Record<string, string>>> {
    const { Stacks: stacks = [] } = await this.cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    const [stack] = stacks;
    if (stack === undefined) throw new StackLookupError(`stack ${stackName} not found`);
    return Object.fromEntries(
      (stack.Outputs ?? []).flatMap((output) =>
        output.OutputKey === undefined || output.OutputValue === undefined
          ? []
          : [[output.OutputKey, output.OutputValue]],
      ),
    );
  }

  async secretString(secretId: string): Promise<string> {
    const secret = await this.secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (secret.SecretString === undefined)
      throw new StackLookupError(`secret ${secretId} has no SecretString`);
    return secret.SecretString;
  }

  close(): void {
    this.cloudFormation.destroy();
    this.secretsManager.destroy();
  }
}

export interface DeployedWebhook {
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  readonly tokenEndpoint: string | undefined;
  /** The validator's Basic credentials, when the stack has the validation endpoint. */
  readonly validator: { readonly username: string; readonly password: string } | undefined;
}

/** Output names of lib/credential-webhook-stack.ts. */
const OUTPUTS = {
  baseUrl: 'WebhookBaseUrl',
  secretArn: 'BasicAuthSecretArn',
  tokenEndpoint: 'TokenEndpoint',
  validatorSecretArn: 'ValidatorSecretArn',
};

export async function lookUpStack(source: StackSource, stackName: string): Promise<DeployedWebhook> {
  let outputs: Readonly<Record<string, string>>;
  try {
    outputs = await source.outputs(stackName);
  } catch (error) {
    throw new StackLookupError(`cannot read stack ${stackName}: ${message(error)}`);
  }
  const required = (name: string): string => {
    const value = outputs[name];
    if (value === undefined || value === '')
      throw new StackLookupError(`stack ${stackName} has no output ${name}`);
    return value;
  };
  const baseUrl = required(OUTPUTS.baseUrl);
  const secretArn = required(OUTPUTS.secretArn);
  const { username, password } = await basicSecret(source, secretArn, 'Basic');
  const validatorArn = outputs[OUTPUTS.validatorSecretArn];
  const validator =
    validatorArn === undefined || validatorArn === ''
      ? undefined
      : await basicSecret(source, validatorArn, 'validator');
  return { baseUrl, username, password, tokenEndpoint: outputs[OUTPUTS.tokenEndpoint], validator };
}

/** A secret holding {"username","password"}; its text is never quoted in an error. */
async function basicSecret(
  source: StackSource,
  secretArn: string,
  what: string,
): Promise<{ username: string; password: string }> {
  let secretString: string;
  try {
    secretString = await source.secretString(secretArn);
  } catch (error) {
    throw new StackLookupError(`cannot read the ${what} secret ${secretArn}: ${message(error)}`);
  }
  let secret: unknown;
  try {
    secret = JSON.parse(secretString);
  } catch {
    // Not the parser's message: it quotes the text, which is a secret.
    secret = undefined;
  }
  const { username, password } = (typeof secret === 'object' && secret !== null ? secret : {}) as Record<
    string,
    unknown
  >;
  if (typeof username !== 'string' || typeof password !== 'string')
    throw new StackLookupError(`secret ${secretArn} is not {"username","password"}`);
  return { username, password };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
