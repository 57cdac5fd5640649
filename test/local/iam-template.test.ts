/**
 * The packaged template's intrinsic functions, resolved for the local account,
 * region and resources the way CloudFormation resolves them ("Intrinsic
 * function reference", AWS CloudFormation User Guide).
 */
import { TemplateResolver, type CfnTemplate } from '../../local/iam/template';

const template: CfnTemplate = {
  Conditions: {
    HasUrl: { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] },
    InRegion: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
    Both: { 'Fn::And': [{ Condition: 'InRegion' }, { 'Fn::Not': [{ Condition: 'HasUrl' }] }] },
  },
  Resources: {
    Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'declared-name' } },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: { RoleName: { 'Fn::Join': ['-', ['svc', { Ref: 'AWS::Region' }, 'fn']] } },
    },
    Unnamed: { Type: 'AWS::IAM::Role', Properties: {} },
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    Local: { Type: 'AWS::S3::Bucket', Properties: {} },
  },
};

describe('template intrinsics, resolved locally', () => {
  const resolver = new TemplateResolver(template, {
    region: 'eu-west-1',
    accountId: '111122223333',
    stackName: 'svc-local',
    physical: { Local: { ref: 'local-bucket', attributes: { Arn: 'arn:aws:s3:::local-bucket' } } },
  });

  it('resolves pseudo parameters, Fn::Sub with resource references and escapes, Fn::Join, Fn::Select and Fn::Split', () => {
    expect(
      resolver.resolve({
        'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/x/${Table}:${!Literal}',
      }),
    ).toBe('arn:aws:logs:eu-west-1:111122223333:log-group:/x/declared-name:${Literal}');
    expect(resolver.resolve({ 'Fn::Sub': ['${Local.Arn}/${Key}', { Key: { 'Fn::Join': ['', ['a', '/*']] } }] })).toBe(
      'arn:aws:s3:::local-bucket/a/*',
    );
    expect(resolver.resolve({ 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] })).toBe('b');
  });

  it('uses the local resources first, then the declared physical names, then names generated from the stack', () => {
    expect(resolver.resolve({ 'Fn::GetAtt': ['Local', 'Arn'] })).toBe('arn:aws:s3:::local-bucket');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Table', 'Arn'] })).toBe(
      'arn:aws:dynamodb:eu-west-1:111122223333:table/declared-name',
    );
    expect(resolver.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe('arn:aws:iam::111122223333:role/svc-eu-west-1-fn');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Unnamed', 'Arn'] })).toBe(
      'arn:aws:iam::111122223333:role/svc-local-Unnamed',
    );
    expect(resolver.resolve({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe(
      'arn:aws:sqs:eu-west-1:111122223333:svc-local-Queue',
    );
  });

  it("evaluates Fn::If with the template's Conditions and drops AWS::NoValue", () => {
    expect(resolver.resolve({ 'Fn::If': ['HasUrl', 'yes', 'no'] })).toBe('no');
    expect(resolver.resolve({ 'Fn::If': ['InRegion', 'yes', 'no'] })).toBe('no');
    expect(resolver.resolve({ 'Fn::If': ['Both', 'yes', 'no'] })).toBe('no');
    expect(
      resolver.resolve({
        A: { 'Fn::If': ['HasUrl', 'x', { Ref: 'AWS::NoValue' }] },
        B: ['k', { Ref: 'AWS::NoValue' }],
      }),
    ).toEqual({ B: ['k'] });
  });

  it('resolves an attribute it cannot know to a value no ARN pattern matches', () => {
    expect(resolver.resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toBe('unresolved:Table.StreamArn');
  });
});

describe('the IAM evaluator stays a development tool', () => {
  it('no module under functions/ imports it (AGPL-3.0: it must never enter a Lambda bundle)', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const root = path.resolve(__dirname, '..', '..', 'functions');
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(20);
    const importing: string[] = [];
    for (const f of files)
      if (/@cloud-copilot\/|local\/iam/.test(await readFile(path.join(root, f), 'utf8'))) importing.push(f);
    expect(importing).toEqual([]);
  });
});
