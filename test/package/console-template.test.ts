/**
 * The operator console in the packaged CloudFormation template: the HTTP API
 * behind a Cognito JWT authorizer on every route, the operators group, and a
 * console role that can read incidents and resume approvals, nothing more.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let resources: Record<string, Resource>;
let outputs: Record<string, unknown>;
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'sls-home-'));
  const out = mkdtempSync(join(tmpdir(), 'sls-console-'));
  try {
    await promisify(execFile)(process.execPath, [require.resolve('serverless/bin/serverless.js'), 'package', '--stage', 'dev', '--package', out], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        AWS_ACCESS_KEY_ID: 'packaging',
        AWS_SECRET_ACCESS_KEY: 'packaging',
        AWS_REGION: 'us-east-1',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, Resource>;
      Outputs: Record<string, unknown>;
    };
    resources = template.Resources;
    outputs = template.Outputs;
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}, 180_000);

describe('operator console in the template', () => {
  it('runs functions/handlers/console.handler with only the incidents table configured', () => {
    const fn = resources.ConsoleLambdaFunction!;
    expect(fn.Properties.Handler).toBe('functions/handlers/console.handler');
    const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(vars).sort()).toEqual(['INCIDENTS_TABLE', 'NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME']);
  });

  it('puts every route of the HTTP API behind the Cognito JWT authorizer, with no CORS', () => {
    const [[, api]] = ofType('AWS::ApiGatewayV2::Api') as [[string, Resource]];
    expect(api.Properties.ProtocolType).toBe('HTTP');
    expect(api.Properties.CorsConfiguration).toBeUndefined();
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: 'ConsoleUserPoolClient' }],
        Issuer: { 'Fn::Sub': 'https://cognito-idp.${AWS::Region}.amazonaws.com/${OperatorsUserPool}' },
      },
    });
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([
      'GET /',
      'GET /incidents/{id}',
      'GET /incidents/{id}/events',
      'POST /incidents/{id}/approvals/{step}',
      'POST /incidents/{id}/approvals/{step}/ack',
    ]);
    for (const r of routes) expect(r).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
  });

  it('has an operators group in a user pool where only administrators create accounts', () => {
    const pool = resources.OperatorsUserPool!;
    expect(pool.Properties.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    expect(resources.OperatorsGroup!.Properties).toMatchObject({ GroupName: 'operators', UserPoolId: { Ref: 'OperatorsUserPool' } });
    expect(resources.ConsoleUserPoolClient!.Properties).toMatchObject({ GenerateSecret: false, EnableTokenRevocation: true });
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['ConsoleUrl', 'OperatorsUserPoolId', 'ConsoleUserPoolClientId']));
  });

  it('lets the console read incidents and resume this state machine, and nothing else', () => {
    const roleId = (resources.ConsoleLambdaFunction!.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const statements = (resources[roleId]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
    const actions = statements.flatMap((s) => asArray(s.Action)).filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'));
    expect(actions.sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'states:DescribeExecution',
        'states:GetExecutionHistory',
        'states:SendTaskFailure',
        'states:SendTaskHeartbeat',
        'states:SendTaskSuccess',
      ].sort(),
    );
    const resume = statements.find((s) => asArray(s.Action).includes('states:SendTaskSuccess'))!;
    expect(resume.Resource).toEqual({ Ref: 'IncidentRecoveryStateMachine' });
    const read = statements.find((s) => asArray(s.Action).includes('states:DescribeExecution'))!;
    expect(JSON.stringify(read.Resource)).toContain(':execution:cache-outage-workflow-dev-incident-recovery:*');
  });
});
