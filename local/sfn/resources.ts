/** How a Task state's Resource is served locally. */
export type Integration =
  | { kind: 'lambda'; pattern: Pattern }
  | { kind: 'lambda-function'; functionArn: string }
  | { kind: 'dynamodb'; action: DynamoDbAction; pattern: Pattern }
  | { kind: 'sns'; pattern: Pattern };

export type Pattern = 'request-response' | 'callback';

export const DYNAMODB_ACTIONS = ['putItem', 'getItem', 'updateItem', 'deleteItem', 'query'] as const;
export type DynamoDbAction = (typeof DYNAMODB_ACTIONS)[number];

const SERVICE_ARN = /^arn:aws:states:::([a-z0-9-]+):([A-Za-z]+)(\.waitForTaskToken)?$/;
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;

/** Maps a Resource ARN to a local integration, or undefined when this endpoint cannot run it. */
export function integrationOf(resource: string): Integration | undefined {
  if (FUNCTION_ARN.test(resource)) return { kind: 'lambda-function', functionArn: resource };
  const match = SERVICE_ARN.exec(resource);
  if (!match) return undefined;
  const [, service, action = '', callback] = match;
  const pattern: Pattern = callback ? 'callback' : 'request-response';
  if (service === 'lambda' && action === 'invoke') return { kind: 'lambda', pattern };
  if (service === 'sns' && action === 'publish') return { kind: 'sns', pattern };
  if (service === 'dynamodb' && isDynamoDbAction(action)) return { kind: 'dynamodb', action, pattern };
  return undefined;
}

function isDynamoDbAction(action: string): action is DynamoDbAction {
  return (DYNAMODB_ACTIONS as readonly string[]).includes(action);
}

/** `resourceType` and `resource` as Step Functions reports them in task history events. */
export function resourceParts(resource: string): { resourceType: string; resource: string } {
  const match = /^arn:aws:states:::([a-z0-9-]+):(.+)$/.exec(resource);
  return match ? { resourceType: match[1] ?? '', resource: match[2] ?? '' } : { resourceType: 'lambda', resource };
}
