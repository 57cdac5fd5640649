/**
 * The local stack's IAM: one access key per function (and one for the state
 * machine), the packaged template's roles as the policies in force, and the
 * gate every local endpoint consults.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ProtectedCache } from '../../functions/domain/caches';
import type { Fault, FaultService } from '../faults';
import { IamGate, policySetOf, type IamDecision, type IamPolicySet, type IamPrincipalRef } from '../iam/gate';
import type { IamCall } from '../iam/requests';
import {
  packagedTemplate,
  TemplateResolver,
  type CfnTemplate,
  type CfnValue,
  type PhysicalResource,
} from '../iam/template';
import { LOCAL_STAGE, type Manifest } from './serverless-manifest';

export interface IamOptions {
  /**
   * Enforces the template with one action removed from one caller's role: `caller` is a
   * function name (`provision`) or `state-machine`. The template on disk is untouched.
   */
  withoutPermission?: { caller: string; action: string };
  /** Changes the packaged template before it is enforced (applied after `withoutPermission`). */
  transformTemplate?: (template: CfnTemplate) => CfnTemplate;
  /** Each decision the gate makes, allowed or refused. */
  onDecision?: (decision: IamDecision) => void;
  /** serverless `--param` values the template is packaged with (the deployment's params). */
  packageParams?: Record<string, string>;
}

/** Placeholder subnets and security group of the VPC a deployment of the local caches would run in. */
export const LOCAL_VPC_PARAMS: Readonly<Record<string, string>> = {
  vpcSubnetIds: 'subnet-00000000000000001,subnet-00000000000000002',
  vpcSecurityGroupIds: 'sg-00000000000000001',
};

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface LocalIam {
  readonly gate: IamGate;
  /** The credentials the runtime gives a function (by local name). */
  credentialsOf(functionName: string): Credentials;
  /** The credentials the state machine's own calls are signed with. */
  readonly stateMachineCredentials: Credentials;
  /** Every access key the stack hands out. */
  readonly allCredentials: Credentials[];
  /** The configuration the template is packaged with changes (as config/protected-caches.json would). */
  setProtectedCaches(caches: ProtectedCache[]): void;
  /** The roles in force. */
  policies(): Promise<IamPolicySet>;
  /** Authorizes a call the state machine makes itself (a Lambda invocation). */
  authorizeStateMachine(service: FaultService, calls: IamCall[]): Promise<Fault | undefined>;
}

function accessKey(seed: string, label: string): Credentials {
  const id = createHash('sha256').update(`${seed}:${label}`).digest('hex').slice(0, 16).toUpperCase();
  return {
    accessKeyId: `ASIA${id}`,
    secretAccessKey: createHash('sha256').update(`${seed}:${label}:secret`).digest('base64').slice(0, 40),
  };
}

function roleOf(template: CfnTemplate, logicalId: string, property: 'Role' | 'RoleArn'): string | undefined {
  const raw = template.Resources[logicalId]?.Properties?.[property];
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const getAtt = raw['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  return undefined;
}

/** A copy of the template whose `role` no longer grants `action` (statements left empty are dropped). */
export function withoutAction(template: CfnTemplate, role: string, action: string): CfnTemplate {
  const copy = structuredClone(template);
  const resource = copy.Resources[role];
  if (resource?.Type !== 'AWS::IAM::Role') throw new Error(`template: ${role} is not a role`);
  let removed = false;
  for (const policy of (resource.Properties?.Policies ?? []) as {
    PolicyDocument: { Statement: Record<string, CfnValue>[] };
  }[]) {
    policy.PolicyDocument.Statement = policy.PolicyDocument.Statement.flatMap(
      (statement): Record<string, CfnValue>[] => {
        const actions: CfnValue[] = Array.isArray(statement.Action) ? statement.Action : [statement.Action ?? null];
        if (statement.Effect !== 'Allow' || !actions.includes(action)) return [statement];
        removed = true;
        const rest = actions.filter((a) => a !== action);
        return rest.length ? [{ ...statement, Action: rest }] : [];
      },
    );
  }
  if (!removed) throw new Error(`template: role ${role} grants no ${action}`);
  return copy;
}

export function createLocalIam(params: {
  root: string;
  manifest: Manifest;
  region: string;
  accountId: string;
  /** The local resources by logical id (read when the template is resolved). */
  physical: () => Record<string, PhysicalResource>;
  options: IamOptions;
}): LocalIam {
  const { manifest, options } = params;
  const seed = randomBytes(16).toString('hex');
  const functionKeys = new Map(manifest.functions.map((f) => [f.name, accessKey(seed, f.name)]));
  const stateMachineKey = accessKey(seed, 'state-machine');
  const principals: Record<string, IamPrincipalRef> = {};
  for (const f of manifest.functions)
    principals[(functionKeys.get(f.name) as Credentials).accessKeyId] = { kind: 'function', logicalId: f.logicalId };
  const stateMachine: IamPrincipalRef = { kind: 'state-machine', logicalId: manifest.stateMachine.logicalId };
  principals[stateMachineKey.accessKeyId] = stateMachine;

  let caches: ProtectedCache[] | undefined;
  let current: Promise<IamPolicySet> | undefined;
  const load = async (): Promise<IamPolicySet> => {
    let template = await packagedTemplate(params.root, {
      stage: LOCAL_STAGE,
      region: params.region,
      // The local stack reaches its caches on loopback, but a deployment protecting them runs the
      // cache-facing functions in the caches' VPC: it is packaged as one (serverless/config.js refuses
      // an in-VPC cache without subnets), so the roles in force are the ones such a deployment gets.
      params: { ...LOCAL_VPC_PARAMS, ...options.packageParams },
      // A cache's endpoint reaches the template only inside PROTECTED_CACHES, which the local stack
      // sets itself: one placeholder keeps the packaged template (and its cache) independent of ports.
      ...(caches && caches.length
        ? {
            protectedCaches: caches.map((c) => ({
              ...c,
              endpoint: { ...c.endpoint, host: 'cache.invalid', port: 6379 },
            })),
          }
        : {}),
    });
    const drop = options.withoutPermission;
    if (drop) {
      const fn = manifest.functions.find((f) => f.name === drop.caller);
      const role =
        drop.caller === 'state-machine'
          ? roleOf(template, manifest.stateMachine.logicalId, 'RoleArn')
          : fn
            ? roleOf(template, fn.logicalId, 'Role')
            : undefined;
      if (!role) throw new Error(`withoutPermission: no role for ${drop.caller}`);
      template = withoutAction(template, role, drop.action);
    }
    if (options.transformTemplate) template = options.transformTemplate(structuredClone(template));
    const resolver = new TemplateResolver(template, {
      region: params.region,
      accountId: params.accountId,
      stackName: `${manifest.service}-${LOCAL_STAGE}`,
      physical: { ...params.physical() },
    });
    return policySetOf(resolver);
  };
  const policies = () => {
    if (!current) {
      current = load();
      // Awaited by each gated request; a failure is reported there.
      current.catch(() => undefined);
    }
    return current;
  };
  const gate = new IamGate({
    accountId: params.accountId,
    region: params.region,
    principals,
    policies,
    ...(options.onDecision ? { onDecision: options.onDecision } : {}),
  });
  return {
    gate,
    credentialsOf(name) {
      const key = functionKeys.get(name);
      if (!key) throw new Error(`no function ${name}`);
      return { ...key };
    },
    stateMachineCredentials: stateMachineKey,
    allCredentials: [...functionKeys.values(), stateMachineKey],
    setProtectedCaches(next) {
      caches = next;
      current = undefined;
      void policies();
    },
    policies,
    authorizeStateMachine: (service, calls) => gate.authorize(stateMachine, service, calls, calls[0]?.action ?? ''),
  };
}
