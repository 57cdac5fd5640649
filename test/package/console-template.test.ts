/**
 * The operator console in the packaged CloudFormation template: the HTTP API
 * behind the consoleAuthorizer Lambda on every route but the sign-in ones,
 * the user pool's managed login for browsers, the operators group, a console
 * role that can read incidents and resume approvals and an authorizer role
 * that can do nothing but log, and console links in the operators' messages.
 */
import { readFileSync } from 'node:fs';
import { ensurePackaged } from './packaging';

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
let conditions: Record<string, unknown> | undefined;
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

beforeAll(async () => {
  const template = JSON.parse(readFileSync(await ensurePackaged(), 'utf8')) as {
    Resources: Record<string, Resource>;
    Outputs: Record<string, unknown>;
    Conditions?: Record<string, unknown>;
  };
  resources = template.Resources;
  outputs = template.Outputs;
  conditions = template.Conditions;
}, 180_000);

describe('operator console in the template', () => {
  it('runs functions/handlers/console.handler with the incidents table and the sign-in settings', () => {
    const fn = resources.ConsoleLambdaFunction!;
    expect(fn.Properties.Handler).toBe('functions/handlers/console.handler');
    const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(vars).sort()).toEqual(
      [
        'CONSOLE_AUTH_DOMAIN',
        'CONSOLE_CLIENT_ID',
        'CONSOLE_TOKEN_ISSUER',
        'INCIDENTS_TABLE',
        'NODE_OPTIONS',
        'OPERATOR_TIME_ZONE',
        'POWERTOOLS_SERVICE_NAME',
        // The caches page lists every protected cache, with or without backups.
        'PROTECTED_CACHES',
      ].sort(),
    );
    expect(vars.CONSOLE_AUTH_DOMAIN).toEqual({
      'Fn::Sub': 'https://${OperatorsUserPoolDomain}.auth.${AWS::Region}.amazoncognito.com',
    });
    expect(vars.CONSOLE_CLIENT_ID).toEqual({ Ref: 'ConsoleUserPoolClient' });
  });

  it('puts every route but /login, /callback and the status page behind the Lambda authorizer, with no CORS', () => {
    const [[, api]] = ofType('AWS::ApiGatewayV2::Api') as [[string, Resource]];
    expect(api.Properties.ProtocolType).toBe('HTTP');
    expect(api.Properties.CorsConfiguration).toBeUndefined();
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    // Caching off and no identity sources: HTTP APIs skip the authorizer (401) unless every identity
    // source is present, and requests carry either the Authorization header or the cookie, not both.
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: [],
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(
      '"Fn::GetAtt":["ConsoleAuthorizerLambdaFunction","Arn"]',
    );
    const permission = ofType('AWS::Lambda::Permission').find(([, p]) =>
      JSON.stringify(p.Properties.FunctionName).includes('ConsoleAuthorizerLambdaFunction'),
    );
    expect(permission?.[1].Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
    });

    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([
      'GET /',
      'GET /caches',
      'GET /callback',
      'GET /groups/{id}',
      'GET /incidents/{id}',
      'GET /incidents/{id}/events',
      'GET /incidents/{id}/report',
      'GET /login',
      'GET /stats',
      'GET /status',
      'GET /status.json',
      'GET /status/feed.atom',
      'POST /groups/{id}/approvals/{step}',
      'POST /groups/{id}/approvals/{step}/ack',
      'POST /incidents/{id}/approvals/{step}',
      'POST /incidents/{id}/approvals/{step}/ack',
      'POST /incidents/{id}/redrive',
      'POST /incidents/{id}/report/notes',
      'POST /logout',
    ]);
    const open = routes.filter((r) => r.AuthorizationType === undefined || r.AuthorizationType === 'NONE');
    expect(open.map((r) => r.RouteKey).sort()).toEqual([
      'GET /callback',
      'GET /login',
      'GET /status',
      'GET /status.json',
      'GET /status/feed.atom',
    ]);
    for (const r of routes.filter((x) => !open.includes(x))) {
      expect(r).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
    }
  });

  it('runs the authorizer with the user pool and app client to check tokens against, and a role that grants nothing else', () => {
    const fn = resources.ConsoleAuthorizerLambdaFunction!;
    expect(fn.Properties.Handler).toBe('functions/handlers/console-authorizer.handler');
    const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars).toMatchObject({
      CONSOLE_TOKEN_ISSUER: { 'Fn::Sub': 'https://cognito-idp.${AWS::Region}.amazonaws.com/${OperatorsUserPool}' },
      CONSOLE_CLIENT_ID: { Ref: 'ConsoleUserPoolClient' },
    });
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(roleId).not.toBe(
      (resources.ConsoleLambdaFunction!.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0],
    );
    const statements = (
      resources[roleId]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((p) => p.PolicyDocument.Statement);
    const actions = statements.flatMap((s) => asArray(s.Action));
    expect(actions.filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual([]);
  });

  it("signs browsers in through the user pool domain with the code grant, back to the API's own /callback", () => {
    expect(ofType('AWS::Cognito::UserPoolDomain')).toHaveLength(1);
    expect(resources.OperatorsUserPoolDomain!.Properties).toMatchObject({ UserPoolId: { Ref: 'OperatorsUserPool' } });
    expect(JSON.stringify(resources.OperatorsUserPoolDomain!.Properties.Domain)).toContain('${AWS::AccountId}');
    expect(resources.ConsoleUserPoolClient!.Properties).toMatchObject({
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: expect.arrayContaining(['openid', 'email']),
      SupportedIdentityProviders: ['COGNITO'],
    });
    expect(resources.ConsoleUserPoolClient!.Properties.CallbackURLs).toContainEqual({
      'Fn::Sub': '${HttpApi.ApiEndpoint}/callback',
    });
    expect(resources.ConsoleUserPoolClient!.Properties.LogoutURLs).toContainEqual({
      'Fn::Sub': '${HttpApi.ApiEndpoint}/login',
    });
  });

  it("links the operators' messages to the console: the consoleUrl param, else the HTTP API endpoint", () => {
    for (const id of [
      'RequestApprovalLambdaFunction',
      'EscalateLambdaFunction',
      'ExecutionStatusLambdaFunction',
      'NotifyLambdaFunction',
    ]) {
      const vars = (resources[id]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      // consoleUrl is empty by default: the endpoint, chosen at package time (no condition on a constant).
      expect(vars.CONSOLE_URL).toEqual({ 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] });
    }
    expect(conditions?.HasConsoleUrl).toBeUndefined();
  });

  it('has an operators group in a user pool where only administrators create accounts', () => {
    const pool = resources.OperatorsUserPool!;
    expect(pool.Properties.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    expect(resources.OperatorsGroup!.Properties).toMatchObject({
      GroupName: 'operators',
      UserPoolId: { Ref: 'OperatorsUserPool' },
    });
    expect(resources.ConsoleUserPoolClient!.Properties).toMatchObject({
      GenerateSecret: false,
      EnableTokenRevocation: true,
    });
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ConsoleUrl', 'ConsoleSignInUrl', 'OperatorsUserPoolId', 'ConsoleUserPoolClientId']),
    );
  });

  it('lets the console read incidents, resume and redrive this state machine, and nothing else', () => {
    const roleId = (resources.ConsoleLambdaFunction!.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const statements = (
      resources[roleId]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((p) => p.PolicyDocument.Statement);
    const actions = statements
      .flatMap((s) => asArray(s.Action))
      .filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'));
    expect(actions.sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'states:DescribeExecution',
        'states:GetExecutionHistory',
        'states:RedriveExecution',
        'states:SendTaskFailure',
        'states:SendTaskHeartbeat',
        'states:SendTaskSuccess',
      ].sort(),
    );
    const resume = statements.find((s) => asArray(s.Action).includes('states:SendTaskSuccess'))!;
    // The task-token callbacks have no resource type: AWS authorizes them only on "*"
    // (Service Authorization Reference, "Actions, resources, and condition keys for AWS Step Functions").
    expect(resume.Resource).toEqual('*');
    const read = statements.find((s) => asArray(s.Action).includes('states:DescribeExecution'))!;
    expect(JSON.stringify(read.Resource)).toContain(':execution:cache-outage-workflow-dev-incident-recovery:*');
    const redrive = statements.find((s) => asArray(s.Action).includes('states:RedriveExecution'))!;
    expect(asArray(redrive.Action)).toEqual(['states:RedriveExecution']);
    expect(JSON.stringify(redrive.Resource)).toContain(':execution:cache-outage-workflow-dev-incident-recovery:*');
  });

  it('serves the public status page from its own function, whose role may only get items of the incidents table', () => {
    const fn = resources.StatusPageLambdaFunction!;
    expect(fn.Properties.Handler).toBe('functions/handlers/status-page.handler');
    const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(vars).sort()).toEqual(
      ['INCIDENTS_TABLE', 'NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'SERVICE_NAME', 'SUPPORT_CONTACT'].sort(),
    );
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(roleId).not.toBe(
      (resources.ConsoleLambdaFunction!.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0],
    );
    const statements = (
      resources[roleId]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((p) => p.PolicyDocument.Statement);
    const data = statements.filter((s) =>
      asArray(s.Action).some((a) => !a.startsWith('logs:') && !a.startsWith('xray:')),
    );
    expect(data).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: { 'Fn::GetAtt': ['IncidentsTable', 'Arn'] } },
    ]);
    const routes = ofType('AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties)
      .filter((r) => String(r.RouteKey).includes('/status'));
    expect(routes).toHaveLength(3);
    for (const r of routes) {
      expect(r.AuthorizationType ?? 'NONE').toBe('NONE');
      expect(JSON.stringify(r.Target)).toContain('StatusPage');
    }
  });
});
