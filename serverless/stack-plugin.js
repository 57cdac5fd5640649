/**
 * Four adjustments to what serverless@3 generates for this service.
 *
 * 1. Lambda's `nodejs22.x` runtime postdates the v3 configuration schema;
 *    the schema is extended so that validation can stay in `error` mode and
 *    still catch every other mistake.
 * 2. Every function has its own role (serverless-iam-roles-per-function),
 *    which leaves the framework's shared `IamRoleLambdaExecution` attached to
 *    nothing. It is removed once no resource refers to it, so the stack holds
 *    no role with permissions that no function uses.
 * 3. With `createVpcEndpoints: 'true'` (custom.vpcEndpoints, validated by
 *    serverless/config.js), the VPC endpoints the functions running in the
 *    VPC need: one per AWS service their roles name, derived from the
 *    compiled roles so that a permission added later brings its endpoint.
 *    S3 and DynamoDB get gateway endpoints (free, on the route tables),
 *    every other service an interface endpoint with private DNS in the
 *    functions' subnets, behind a security group that admits HTTPS from the
 *    functions' security groups (Amazon VPC "Access AWS services through AWS
 *    PrivateLink" / "Gateway endpoints",
 *    https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html).
 * 4. DependsOn entries that a Ref, Fn::GetAtt or Fn::Sub of the same resource
 *    already implies (the framework adds them to HTTP API routes, the
 *    per-function roles plugin to functions) are dropped: CloudFormation
 *    orders those resources anyway ("DependsOn attribute": "you don't need to
 *    explicitly declare dependencies for resources that use the Ref or GetAtt
 *    functions"), and cfn-lint warns about each one (W3005).
 */
const RUNTIMES = ['nodejs22.x'];
const SHARED_ROLE = 'IamRoleLambdaExecution';
/** Services with gateway endpoints; every other service is reached through an interface endpoint. */
const GATEWAY_SERVICES = new Set(['s3', 'dynamodb']);
const ENDPOINTS_SECURITY_GROUP = 'VpcEndpointsSecurityGroup';

const asArray = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const pascal = (s) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');

/** The IAM service prefixes the inline policies of a role allow (`dynamodb:GetItem` → dynamodb). */
function servicesOfRole(role) {
  return asArray(role?.Properties?.Policies)
    .flatMap((p) => asArray(p.PolicyDocument?.Statement))
    .filter((st) => st.Effect === 'Allow')
    .flatMap((st) => asArray(st.Action))
    .map((a) => String(a).split(':')[0]);
}

/** Logical ids a value refers to through Ref, Fn::GetAtt or the ${Name} / ${Name.Attr} of Fn::Sub. */
function referencedIds(value, out = new Set()) {
  if (Array.isArray(value)) {
    for (const v of value) referencedIds(v, out);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') out.add(v);
      else if (key === 'Fn::GetAtt') out.add(Array.isArray(v) ? v[0] : String(v).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const template = Array.isArray(v) ? v[0] : v;
        if (typeof template === 'string')
          for (const m of template.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g)) out.add(m[1]);
        if (Array.isArray(v)) referencedIds(v[1], out);
      } else referencedIds(v, out);
    }
  }
  return out;
}

/** Drops every DependsOn entry that the resource's own references already imply. */
function dropImpliedDependsOn(resources) {
  for (const resource of Object.values(resources)) {
    if (resource.DependsOn === undefined) continue;
    const implied = referencedIds([resource.Properties, resource.Condition ? { Condition: resource.Condition } : null]);
    const kept = asArray(resource.DependsOn).filter((id) => !implied.has(id));
    if (kept.length === 0) delete resource.DependsOn;
    else resource.DependsOn = kept;
  }
}

/** The VPC endpoint resources for the functions that have a VpcConfig. */
function vpcEndpointResources(resources, { vpcId, routeTableIds }) {
  const inVpc = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.VpcConfig);
  if (inVpc.length === 0) return {};
  const services = new Set();
  const securityGroups = new Set();
  let subnetIds = [];
  for (const fn of inVpc) {
    const roleId = fn.Properties.Role?.['Fn::GetAtt']?.[0];
    for (const service of servicesOfRole(resources[roleId])) services.add(service);
    for (const sg of asArray(fn.Properties.VpcConfig.SecurityGroupIds)) securityGroups.add(sg);
    subnetIds = asArray(fn.Properties.VpcConfig.SubnetIds);
  }
  const out = {};
  const interfaces = [...services].filter((s) => !GATEWAY_SERVICES.has(s)).sort();
  if (interfaces.length) {
    out[ENDPOINTS_SECURITY_GROUP] = {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: 'Interface VPC endpoints of the cache outage workflow: HTTPS from its functions',
        VpcId: vpcId,
        SecurityGroupIngress: [...securityGroups].map((sg) => ({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          SourceSecurityGroupId: sg,
          Description: 'HTTPS from the functions that run in the VPC',
        })),
      },
    };
  }
  for (const service of [...services].sort()) {
    const name = { 'Fn::Sub': `com.amazonaws.\${AWS::Region}.${service}` };
    out[`VpcEndpoint${pascal(service)}`] = GATEWAY_SERVICES.has(service)
      ? {
          Type: 'AWS::EC2::VPCEndpoint',
          Properties: { VpcEndpointType: 'Gateway', ServiceName: name, VpcId: vpcId, RouteTableIds: routeTableIds },
        }
      : {
          Type: 'AWS::EC2::VPCEndpoint',
          Properties: {
            VpcEndpointType: 'Interface',
            ServiceName: name,
            VpcId: vpcId,
            SubnetIds: subnetIds,
            SecurityGroupIds: [{ Ref: ENDPOINTS_SECURITY_GROUP }],
            PrivateDnsEnabled: true,
          },
        };
  }
  return out;
}

class StackPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    const runtime = serverless.configSchemaHandler?.schema?.definitions?.awsLambdaRuntime;
    if (runtime && Array.isArray(runtime.enum)) {
      for (const name of RUNTIMES) if (!runtime.enum.includes(name)) runtime.enum.push(name);
    }
    this.hooks = {
      'before:package:finalize': () => {
        this.dropSharedRole();
        this.addVpcEndpoints();
        dropImpliedDependsOn(this.serverless.service.provider.compiledCloudFormationTemplate.Resources);
      },
    };
  }

  addVpcEndpoints() {
    const settings = this.serverless.service.custom?.vpcEndpoints;
    if (!settings?.enabled) return;
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    Object.assign(resources, vpcEndpointResources(resources, settings));
  }

  dropSharedRole() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    if (!resources[SHARED_ROLE]) return;
    const others = Object.entries(resources).filter(([id]) => id !== SHARED_ROLE);
    const referenced = others.some(([, resource]) => JSON.stringify(resource).includes(`"${SHARED_ROLE}"`));
    if (!referenced) delete resources[SHARED_ROLE];
  }
}

module.exports = StackPlugin;
module.exports.vpcEndpointResources = vpcEndpointResources;
