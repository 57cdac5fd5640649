/**
 * Caches that answer only inside a VPC: ElastiCache nodes are reachable only
 * from within their VPC (ElastiCache "Access patterns for accessing an
 * ElastiCache cache in an Amazon VPC"), and a function reaches a VPC only
 * with its subnets and security groups (Lambda "Giving Lambda functions
 * access to resources in an Amazon VPC"). Packaging refuses a configuration
 * that would leave the cache-facing functions outside, and
 * `createVpcEndpoints` gives the in-VPC functions a way to the AWS APIs their
 * roles name without a NAT gateway.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_VPC, EXAMPLE_VPC_PARAMS, ensurePackaged, serverlessPackage } from './packaging';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { vpcReason } = require('../../serverless/config.js') as { vpcReason(cache: unknown): string | undefined };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Resource {
  Type: string;
  Properties: Json;
}
type Template = { Resources: Record<string, Resource> };

/** The functions that connect to caches. */
const CACHE_FACING = [
  'Probe',
  'Backup',
  'Mirror',
  'TestRestore',
  'ConfirmOutage',
  'Assess',
  'CheckCache',
  'Verify',
  'Rehydrate',
].map((f) => `${f}LambdaFunction`);
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

async function refusal(args: string[]): Promise<string> {
  try {
    await serverlessPackage(args);
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
  }
  throw new Error(`serverless package ${args.join(' ')} succeeded`);
}

describe('which caches answer only inside a VPC', () => {
  const base = { id: 'c', endpoint: { host: 'redis.example.net', port: 6379 }, endpointParameter: '/c' };

  it('ElastiCache caches, caches restored onto ElastiCache and caches marked inVpc', () => {
    expect(vpcReason({ ...base, replicationGroupId: 'sessions-prod' })).toMatch(/replication group sessions-prod/);
    expect(vpcReason({ ...base, endpoint: { host: 'master.x.abc123.use1.cache.amazonaws.com', port: 6379 } })).toMatch(
      /ElastiCache endpoint/,
    );
    expect(vpcReason({ ...base, inVpc: true })).toMatch(/inVpc/);
    expect(vpcReason({ ...base, backup: { bucket: 'b', prefix: '' } })).toMatch(/ElastiCache replacement/);
  });

  it('not a cache with a public endpoint that is never restored', () => {
    expect(vpcReason(base)).toBeUndefined();
  });
});

describe('serverless package and the VPC', () => {
  it('refuses the example configuration without vpcSubnetIds / vpcSecurityGroupIds, saying what to set', async () => {
    const out = await refusal(['--stage', 'dev']);
    expect(out).toContain('protects caches that answer only inside a VPC');
    expect(out).toContain('sessions: ElastiCache replication group sessions-prod');
    expect(out).toContain('Set the vpcSubnetIds and vpcSecurityGroupIds params');
  }, 120_000);

  it('refuses createVpcEndpoints without the VPC and its route tables', async () => {
    const out = await refusal(['--stage', 'dev', ...EXAMPLE_VPC_PARAMS, '--param=createVpcEndpoints=true']);
    expect(out).toMatch(/createVpcEndpoints=true needs vpcId .*vpcRouteTableIds/);
  }, 120_000);

  it('runs the cache-facing functions in the given subnets, and creates no endpoint unless asked', async () => {
    const { Resources } = JSON.parse(readFileSync(await ensurePackaged(), 'utf8')) as Template;
    for (const id of CACHE_FACING) {
      expect({ id, vpc: Resources[id]!.Properties.VpcConfig }).toEqual({
        id,
        vpc: { SubnetIds: EXAMPLE_VPC.subnetIds, SecurityGroupIds: EXAMPLE_VPC.securityGroupIds },
      });
    }
    expect(Object.values(Resources).filter((r) => r.Type === 'AWS::EC2::VPCEndpoint')).toEqual([]);
  }, 240_000);

  describe('with createVpcEndpoints', () => {
    let resources: Record<string, Resource>;
    let out: string;

    beforeAll(async () => {
      out = mkdtempSync(join(tmpdir(), 'sls-vpc-'));
      await serverlessPackage([
        '--stage',
        'Prod',
        '--package',
        out,
        ...EXAMPLE_VPC_PARAMS,
        '--param=createVpcEndpoints=true',
        `--param=vpcId=${EXAMPLE_VPC.vpcId}`,
        `--param=vpcRouteTableIds=${EXAMPLE_VPC.routeTableIds.join(',')}`,
      ]);
      resources = (JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as Template)
        .Resources;
    }, 240_000);
    afterAll(() => {
      if (out) rmSync(out, { recursive: true, force: true });
    });

    const endpoints = () => Object.values(resources).filter((r) => r.Type === 'AWS::EC2::VPCEndpoint');
    const serviceOf = (e: Resource) =>
      (e.Properties.ServiceName as { 'Fn::Sub': string })['Fn::Sub'].replace('com.amazonaws.${AWS::Region}.', '');

    it("creates one endpoint per AWS service the in-VPC functions' roles name, and no other", () => {
      const inVpc = Object.values(resources).filter(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.VpcConfig,
      );
      expect(inVpc).toHaveLength(CACHE_FACING.length);
      const called = new Set(
        inVpc.flatMap((fn) =>
          asArray(resources[fn.Properties.Role['Fn::GetAtt'][0]]!.Properties.Policies as Json[])
            .flatMap((p) => asArray(p.PolicyDocument.Statement as Json[]))
            .flatMap((st) => asArray(st.Action as string | string[]))
            .map((a) => a.split(':')[0]!),
        ),
      );
      expect(endpoints().map(serviceOf).sort()).toEqual([...called].sort());
      expect([...called]).toEqual(expect.arrayContaining(['s3', 'dynamodb', 'ssm', 'elasticache']));
    });

    it("reaches S3 and DynamoDB through gateway endpoints on the subnets' route tables", () => {
      const gateways = endpoints().filter((e) => e.Properties.VpcEndpointType === 'Gateway');
      expect(gateways.map(serviceOf).sort()).toEqual(['dynamodb', 's3']);
      for (const g of gateways)
        expect(g.Properties).toMatchObject({ VpcId: EXAMPLE_VPC.vpcId, RouteTableIds: EXAMPLE_VPC.routeTableIds });
    });

    it("puts the interface endpoints in the functions' subnets with private DNS, open to HTTPS from the functions only", () => {
      const interfaces = endpoints().filter((e) => e.Properties.VpcEndpointType === 'Interface');
      expect(interfaces.length).toBeGreaterThanOrEqual(2);
      for (const i of interfaces) {
        expect(i.Properties).toMatchObject({
          VpcId: EXAMPLE_VPC.vpcId,
          SubnetIds: EXAMPLE_VPC.subnetIds,
          PrivateDnsEnabled: true,
          SecurityGroupIds: [{ Ref: 'VpcEndpointsSecurityGroup' }],
        });
      }
      const sg = resources.VpcEndpointsSecurityGroup!.Properties;
      expect(sg.VpcId).toBe(EXAMPLE_VPC.vpcId);
      expect(sg.SecurityGroupIngress).toEqual(
        EXAMPLE_VPC.securityGroupIds.map((id) =>
          expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: id }),
        ),
      );
    });

    it('lower-cases a stage with capitals in the Cognito domain prefix', () => {
      expect(resources.OperatorsUserPoolDomain!.Properties.Domain).toEqual({
        'Fn::Sub': 'cache-outage-workflow-prod-${AWS::AccountId}',
      });
    });

    it('passes cfn-lint with no error', () => {
      const r = spawnSync('cfn-lint', ['--format', 'json', join(out, 'cloudformation-template-update-stack.json')], {
        encoding: 'utf8',
      });
      expect(r.stdout.trim().startsWith('[')).toBe(true);
      const errors = (JSON.parse(r.stdout) as { Level: string; Rule: { Id: string }; Message: string }[]).filter(
        (f) => f.Level === 'Error',
      );
      expect(errors.map((e) => `${e.Rule.Id}: ${e.Message}`)).toEqual([]);
    });
  });
});
