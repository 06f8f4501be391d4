/**
 * AWS SDK failures for the adapter tests, built as the SDK builds them: the service's modelled
 * exception class, with `$metadata`. The adapters read only `name`, `$fault`, `$metadata` and
 * `$response`, so the messages are stand-ins; each factory takes another where a test reads it
 * (e.g. one naming an account, which must never reach a response).
 *
 * Where the copies these replace gave an HTTP status it is kept; elsewhere `$metadata` stays empty,
 * so that a test also shows the mapping goes by the exception's name alone.
 */
import {
  APIGatewayServiceException,
  TooManyRequestsException as ApiGatewayTooManyRequestsException,
  BadRequestException,
  ConflictException,
  NotFoundException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@aws-sdk/client-api-gateway';
import {
  ResourceNotFoundException as CognitoResourceNotFoundException,
  TooManyRequestsException as CognitoTooManyRequestsException,
  InternalErrorException,
  InvalidParameterException,
  LimitExceededException,
  NotAuthorizedException,
  ScopeDoesNotExistException,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  type AttributeValue,
  type CancellationReason,
  ConditionalCheckFailedException,
  ResourceNotFoundException as DynamoDbResourceNotFoundException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  InternalServiceError,
  ResourceNotFoundException as SecretsManagerResourceNotFoundException,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import type { ResponseMetadata } from '@smithy/types';

/** A modelled exception class of an SDK client (extra fields it declares are all optional). */
type ExceptionClass<E> = new (options: { message: string; $metadata: ResponseMetadata }) => E;

function modelled<E>(Exception: ExceptionClass<E>, message: string, httpStatusCode?: number): E {
  return new Exception({ message, $metadata: httpStatusCode === undefined ? {} : { httpStatusCode } });
}

/**
 * An exception the client has no class for (IAM's AccessDeniedException, Secrets Manager's
 * ThrottlingException): the SDK gives it the service's base class, a name, a fault and a status.
 * The base class is Secrets Manager's for every service: the adapters never look at the class.
 */
export function unmodelledError(
  name: string,
  options: {
    readonly httpStatusCode?: number;
    readonly fault?: 'client' | 'server';
    readonly message?: string;
  } = {},
): SecretsManagerServiceException {
  const { httpStatusCode } = options;
  return new SecretsManagerServiceException({
    name,
    $fault: options.fault ?? (httpStatusCode !== undefined && httpStatusCode >= 500 ? 'server' : 'client'),
    message: options.message ?? `${name} (stand-in message)`,
    $metadata: httpStatusCode === undefined ? {} : { httpStatusCode },
  });
}

/** What the HTTP handler throws when AWS did not answer in time: no SDK exception at all. */
export const timeoutError = (message = 'socket hang up'): Error =>
  Object.assign(new Error(message), { name: 'TimeoutError' });

/** A failed connection, as Node reports it (`code`, e.g. ECONNRESET). */
export const networkError = (code: string): Error =>
  Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });

export const apiGatewayErrors = {
  notFound: (message = 'Invalid identifier specified') => modelled(NotFoundException, message, 404),
  conflict: (message = 'already in a plan on this stage') => modelled(ConflictException, message, 409),
  badRequest: (message = 'invalid request') => modelled(BadRequestException, message, 400),
  throttled: (message = 'Too Many Requests') => modelled(ApiGatewayTooManyRequestsException, message, 429),
  unavailable: (message = 'try later') => modelled(ServiceUnavailableException, message, 503),
  unauthorized: (message = 'not authorized') => modelled(UnauthorizedException, message, 403),
  /** IAM's refusal, which API Gateway has no class for. */
  accessDenied: (message = 'not authorized to perform apigateway:DELETE') =>
    new APIGatewayServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      message,
      $metadata: { httpStatusCode: 403 },
    }),
};

export const cognitoErrors = {
  notFound: (message = 'User pool client does not exist.') =>
    modelled(CognitoResourceNotFoundException, message),
  scopeMissing: (message = 'Invalid scope requested') => modelled(ScopeDoesNotExistException, message),
  limitReached: (message = 'Exceeded app client limit') => modelled(LimitExceededException, message),
  throttled: (message = 'Too many requests') => modelled(CognitoTooManyRequestsException, message),
  internalError: (message = 'Internal error') => modelled(InternalErrorException, message),
  invalidParameter: (message = 'Invalid client name') => modelled(InvalidParameterException, message),
  notAuthorized: (message = 'Not authorized') => modelled(NotAuthorizedException, message),
};

export const dynamoDbErrors = {
  /** A failed condition; `item` is the item as it was, when the request asked for it. */
  conditionFailed: (item?: Record<string, AttributeValue>) =>
    new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
      ...(item !== undefined && { Item: item }),
    }),
  /** A cancelled transaction, with one reason per item of the transaction. */
  cancelled: (reasons: CancellationReason[]) =>
    new TransactionCanceledException({
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
      $metadata: {},
      CancellationReasons: reasons,
    }),
  throttled: (message = 'Rate exceeded') => modelled(ThrottlingException, message),
  /** DynamoDB's throttling of item reads and writes, answered with HTTP 400. */
  throughputExceeded: (message = 'slow down') =>
    modelled(ProvisionedThroughputExceededException, message, 400),
  internalError: (message = 'Internal server error') => modelled(InternalServerError, message),
  tableMissing: (message = 'Requested resource not found') =>
    modelled(DynamoDbResourceNotFoundException, message),
};

export const secretsManagerErrors = {
  notFound: (message = "Secrets Manager can't find the specified secret.") =>
    modelled(SecretsManagerResourceNotFoundException, message, 400),
  /** Secrets Manager has no class for its throttling. */
  throttled: (message = 'Rate exceeded') =>
    unmodelledError('ThrottlingException', { httpStatusCode: 400, fault: 'client', message }),
  internalError: (message = 'Internal service error') => modelled(InternalServiceError, message, 500),
};
