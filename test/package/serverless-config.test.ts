/**
 * serverless/config.js: the values serverless.yml derives at package time,
 * and what it refuses to package.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require('../../serverless/config.js') as {
  cognitoDomainPrefix(ctx: { resolveVariable(v: string): Promise<unknown> }): Promise<string>;
};

const resolver = (values: Record<string, unknown>) => ({
  resolveVariable: async (name: string) => {
    if (!(name in values)) throw new Error(`unexpected variable ${name}`);
    return values[name];
  },
});

describe('Cognito domain prefix', () => {
  // AWS::Cognito::UserPoolDomain Domain: ^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$, at most 63 characters.
  const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
  const prefix = (stage: string) =>
    config.cognitoDomainPrefix(resolver({ 'self:service': 'cache-outage-workflow', 'sls:stage': stage }));

  it('lower-cases a stage with capitals, so that the domain is one Cognito accepts', async () => {
    await expect(prefix('Prod')).resolves.toBe('cache-outage-workflow-prod');
    expect(`${await prefix('QA-EU')}-123456789012`).toMatch(DOMAIN);
  });

  it('refuses a stage lower-casing cannot make valid, saying why', async () => {
    await expect(prefix('qa_1')).rejects.toThrow(/stage "qa_1".*letters, digits and hyphens/);
    await expect(prefix('x'.repeat(40))).rejects.toThrow(/63 characters/);
  });
});

describe('console URLs', () => {
  const c = config as unknown as Record<string, (ctx: ReturnType<typeof resolver>) => Promise<unknown>>;
  const withUrl = (url: string) => resolver({ 'param:consoleUrl': url });

  it('use the HTTP API endpoint alone when no consoleUrl is set, with no condition to evaluate', async () => {
    await expect(c.consoleUrl!(withUrl(''))).resolves.toEqual({ 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] });
    await expect(c.consoleCallbackUrls!(withUrl(''))).resolves.toEqual([
      { 'Fn::Sub': '${HttpApi.ApiEndpoint}/callback' },
    ]);
  });

  it('add the consoleUrl param when it is set', async () => {
    await expect(c.consoleUrl!(withUrl('https://ops.example.com'))).resolves.toBe('https://ops.example.com');
    await expect(c.consoleLogoutUrls!(withUrl('https://ops.example.com'))).resolves.toEqual([
      { 'Fn::Sub': '${HttpApi.ApiEndpoint}/login' },
      'https://ops.example.com/login',
    ]);
  });
});
