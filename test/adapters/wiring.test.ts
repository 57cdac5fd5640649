import { createServer, type IncomingMessage, type Server } from 'node:http';

/** Loads wiring against a fresh environment (config reads process.env lazily). */
async function loadWiring(env: Record<string, string>) {
  jest.resetModules();
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  const modules = await Promise.all([
    import('../../functions/wiring/clock'),
    import('../../functions/wiring/dynamodb'),
    import('../../functions/wiring/elasticache'),
    import('../../functions/wiring/redis-probe'),
    import('../../functions/wiring/redis-writer'),
    import('../../functions/wiring/s3'),
    import('../../functions/wiring/sfn'),
    import('../../functions/wiring/sns'),
    import('../../functions/wiring/ssm'),
  ]);
  return Object.assign({}, ...modules) as UnionToIntersection<(typeof modules)[number]>;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

describe('wiring', () => {
  const saved = { ...process.env };
  let server: Server;
  let port: number;
  const requests: { url: string; target: string; host: string; body: string; authorization: string }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({
          url: req.url ?? '',
          target: String(req.headers['x-amz-target'] ?? ''),
          host: String(req.headers.host ?? ''),
          body,
          authorization: String(req.headers.authorization ?? ''),
        });
        const action = /(?:^|&)Action=(\w+)/.exec(body)?.[1];
        if (action) {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(
            `<${action}Response xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><${action}Result><GlobalReplicationGroup><GlobalReplicationGroupId>g</GlobalReplicationGroupId></GlobalReplicationGroup></${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`,
          );
          return;
        }
        if (req.url?.startsWith('/backups')) {
          res.writeHead(200, { 'content-type': 'application/xml' });
          res.end(
            '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>backups</Name><IsTruncated>false</IsTruncated></ListBucketResult>',
          );
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({
            Parameter: {
              Name: '/app/endpoint',
              Type: 'String',
              Value: '{"host":"cache.local","port":6379}',
              Version: 3,
            },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  afterEach(() => {
    process.env = { ...saved };
    requests.length = 0;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('builds each adapter once per container', async () => {
    // Prepare
    const wiring = await loadWiring({
      AWS_REGION: 'eu-west-1',
      INCIDENTS_TABLE: 'incidents',
      STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:1:stateMachine:sm',
    });

    // Act
    const first = [
      wiring.incidentStore(),
      wiring.backupRecords(),
      wiring.workflow(),
      wiring.cacheWriter(),
      wiring.secretReader(),
      wiring.cacheProbe(),
    ];
    const second = [
      wiring.incidentStore(),
      wiring.backupRecords(),
      wiring.workflow(),
      wiring.cacheWriter(),
      wiring.secretReader(),
      wiring.cacheProbe(),
    ];

    // Assess
    first.forEach((adapter, i) => expect(second[i]).toBe(adapter));
    expect(wiring.clock().now()).toBeInstanceOf(Date);
  });

  it('names the missing variable when an adapter needs it', async () => {
    // Prepare
    delete process.env.INCIDENTS_TABLE;
    const wiring = await loadWiring({ AWS_REGION: 'eu-west-1' });

    // Act / Assess
    expect(() => wiring.incidentStore()).toThrow('environment variable INCIDENTS_TABLE is required');
  });

  it("reaches services at the SDK's own endpoint settings, S3 path-style when configured", async () => {
    // Prepare
    const wiring = await loadWiring({
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${port}`,
      AWS_ENDPOINT_URL_S3: `http://localhost:${port}`,
      S3_FORCE_PATH_STYLE: 'true',
    });

    // Act
    const endpoint = await wiring.endpointRecord().read('/app/endpoint');
    const backups = await wiring.backupCatalog().list('backups', 'sessions/');

    // Assess
    expect(endpoint).toEqual({ host: 'cache.local', port: 6379, tls: false });
    expect(backups).toEqual([]);
    expect(requests.map((r) => r.target)).toContain('AmazonSSM.GetParameter');
    expect(requests.find((r) => r.url.startsWith('/backups'))?.url).toMatch(/^\/backups\/?\?.*prefix=sessions%2F/);
  });

  // FailoverGlobalReplicationGroup (ElastiCache API Reference): PrimaryRegion is the region of the secondary that
  // becomes the primary. The request is signed for, and so sent to, that region's endpoint (SigV4 credential scope).
  it("sends a Global Datastore failover to the secondary's region, with one client per region", async () => {
    // Prepare
    const wiring = await loadWiring({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_ELASTICACHE: `http://127.0.0.1:${port}`,
    });

    // Act
    await wiring.cacheFleet().failoverGlobal('ldgnf-sessions', 'us-west-2', 'sessions-west');

    // Assess
    const failover = requests.find((r) => r.body.includes('Action=FailoverGlobalReplicationGroup'));
    expect(failover?.authorization).toMatch(/Credential=test\/\d{8}\/us-west-2\/elasticache\/aws4_request/);
    expect(wiring.cacheFleet()).toBe(wiring.cacheFleet());
    expect(wiring.elastiCacheClient('us-west-2')).toBe(wiring.elastiCacheClient('us-west-2'));
    expect(wiring.elastiCacheClient('us-west-2')).not.toBe(wiring.elastiCacheClient('us-east-1'));
    expect(await wiring.elastiCacheClient('us-west-2').config.region()).toBe('us-west-2');
  });
});
