import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DeleteItemCommandInput,
  type DynamoDBClient,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type QueryCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import type { FunctionError, InvocationType, LocalLambda } from '../lambda/types';
import { TaskFailure } from './errors';
import { isJsonObject, toJson, type Json, type JsonObject } from './json';
import type { DynamoDbAction } from './resources';

export interface IntegrationClients {
  lambda: Pick<LocalLambda, 'invoke'>;
  dynamodb: DynamoDBClient;
  sns: SNSClient;
}

/** `arn:aws:states:::lambda:invoke`: the Lambda Invoke API response, as Step Functions returns it. */
export async function lambdaInvoke(clients: IntegrationClients, parameters: Json): Promise<JsonObject> {
  const params = objectParameters(parameters, 'lambda:invoke');
  if (typeof params.FunctionName !== 'string')
    throw new TaskFailure('States.Runtime', 'lambda:invoke requires a FunctionName parameter');
  const invocationType: InvocationType = params.InvocationType === 'Event' ? 'Event' : 'RequestResponse';
  const payload = await invokeFunction(clients, params.FunctionName, params.Payload ?? {}, invocationType);
  const status = invocationType === 'Event' ? 202 : 200;
  const result: JsonObject = {
    ExecutedVersion: '$LATEST',
    SdkHttpMetadata: httpMetadata(status),
    SdkResponseMetadata: { RequestId: randomUUID() },
    StatusCode: status,
  };
  if (invocationType === 'RequestResponse') result.Payload = payload;
  return result;
}

/** A Task whose Resource is a function ARN: the function's result is the task result. */
export function lambdaFunction(clients: IntegrationClients, functionArn: string, payload: Json): Promise<Json> {
  return invokeFunction(clients, functionArn, payload, 'RequestResponse');
}

async function invokeFunction(
  clients: IntegrationClients,
  functionName: string,
  payload: Json,
  invocationType: InvocationType,
): Promise<Json> {
  let outcome;
  try {
    outcome = await clients.lambda.invoke(functionName, payload, { invocationType });
  } catch (error) {
    throw serviceFailure(
      'Lambda',
      'AWSLambda',
      error,
      error instanceof Error && error.name === 'ResourceNotFoundException' ? 404 : 500,
    );
  }
  if (!outcome.ok) throw functionFailure(outcome.error);
  return toJson(outcome.payload);
}

/** A function error keeps its errorType as the ASL Error; the Cause is the error payload, as in AWS. */
function functionFailure(error: FunctionError): TaskFailure {
  const cause = JSON.stringify({
    errorMessage: error.errorMessage,
    errorType: error.errorType,
    trace: error.trace ?? [],
  });
  return new TaskFailure(error.errorType, cause);
}

type DynamoDbCall = (client: DynamoDBClient, input: JsonObject) => Promise<{ $metadata: unknown }>;

const DYNAMODB_CALLS: Record<DynamoDbAction, DynamoDbCall> = {
  putItem: (client, input) => client.send(new PutItemCommand(input as unknown as PutItemCommandInput)),
  getItem: (client, input) => client.send(new GetItemCommand(input as unknown as GetItemCommandInput)),
  updateItem: (client, input) => client.send(new UpdateItemCommand(input as unknown as UpdateItemCommandInput)),
  deleteItem: (client, input) => client.send(new DeleteItemCommand(input as unknown as DeleteItemCommandInput)),
  query: (client, input) => client.send(new QueryCommand(input as unknown as QueryCommandInput)),
};

/** `arn:aws:states:::dynamodb:<action>`: the SDK response without `$metadata`; errors become `DynamoDB.<Name>`. */
export async function dynamoDb(clients: IntegrationClients, action: DynamoDbAction, parameters: Json): Promise<Json> {
  const input = objectParameters(parameters, `dynamodb:${action}`);
  try {
    const response = (await DYNAMODB_CALLS[action](clients.dynamodb, input)) ?? { $metadata: {} };
    const { $metadata: _metadata, ...output } = response;
    return toJson(output);
  } catch (error) {
    throw new TaskFailure(`DynamoDB.${errorName(error)}`, errorMessage(error));
  }
}

/** `arn:aws:states:::sns:publish`: an object Message is serialized to a string, as Step Functions does. */
export async function snsPublish(clients: IntegrationClients, parameters: Json): Promise<JsonObject> {
  const params = objectParameters(parameters, 'sns:publish');
  const message = typeof params.Message === 'string' ? params.Message : JSON.stringify(params.Message);
  try {
    const output = await clients.sns.send(
      new PublishCommand({ ...params, Message: message } as unknown as PublishCommandInput),
    );
    const result: JsonObject = {
      MessageId: output.MessageId ?? null,
      SdkHttpMetadata: httpMetadata(200),
      SdkResponseMetadata: { RequestId: randomUUID() },
    };
    if (output.SequenceNumber !== undefined) result.SequenceNumber = output.SequenceNumber;
    return result;
  } catch (error) {
    throw new TaskFailure(`SNS.${errorName(error)}`, errorMessage(error));
  }
}

function serviceFailure(prefix: string, service: string, error: unknown, status: number): TaskFailure {
  const name = errorName(error);
  const code = name === 'Error' ? 'ServiceException' : name;
  return new TaskFailure(
    `${prefix}.${code}`,
    `${errorMessage(error)} (Service: ${service}; Status Code: ${status}; Error Code: ${code}; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}

function objectParameters(parameters: Json, integration: string): JsonObject {
  if (!isJsonObject(parameters))
    throw new TaskFailure('States.Runtime', `${integration} requires an object of Parameters`);
  return parameters;
}

function httpMetadata(status: number): JsonObject {
  const headers = { 'Content-Type': 'application/json' };
  return { AllHttpHeaders: { 'Content-Type': ['application/json'] }, HttpHeaders: headers, HttpStatusCode: status };
}

function errorName(error: unknown): string {
  return error instanceof Error && error.name ? error.name : 'ServiceException';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
