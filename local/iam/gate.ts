/**
 * IAM for the local stack: every request signed with a function's (or the
 * state machine's) access key is evaluated against that caller's role as the
 * packaged template declares it, by @cloud-copilot/iam-simulate (AWS's policy
 * evaluation logic over the Service Authorization Reference), and refused with
 * the service's AccessDenied answer when the role does not allow it.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  accessDenied,
  serverError,
  signatureOf,
  type Fault,
  type FaultInjector,
  type FaultRequest,
  type FaultService,
} from '../faults';
import { iamCalls, type IamCall } from './requests';
import type { CfnTemplate, CfnValue, TemplateResolver } from './template';

export interface PolicyDocument {
  Version?: string;
  Statement: unknown;
}

export interface IamRole {
  logicalId: string;
  name: string;
  arn: string;
  policies: { name: string; policy: PolicyDocument }[];
}

/** The roles of a packaged template and who assumes them. */
export interface IamPolicySet {
  roles: Record<string, IamRole>;
  /** Function logical id → its role's logical id and its physical name (the session name of its credentials). */
  functions: Record<string, { role: string; name: string }>;
  /** State machine logical id → its role's logical id and its name. */
  stateMachines: Record<string, { role: string; name: string }>;
  /** Bucket name → its bucket policy. */
  bucketPolicies: Record<string, PolicyDocument>;
}

function roleLogicalId(raw: CfnValue | undefined, template: CfnTemplate): string | undefined {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const getAtt = raw['Fn::GetAtt'];
    const id = Array.isArray(getAtt) ? getAtt[0] : typeof getAtt === 'string' ? getAtt.split('.')[0] : raw.Ref;
    if (typeof id === 'string' && template.Resources[id]?.Type === 'AWS::IAM::Role') return id;
  }
  return undefined;
}

/** Reads the roles, their inline policies (and AWS::IAM::Policy resources attached to them) and bucket policies. */
export function policySetOf(resolver: TemplateResolver): IamPolicySet {
  const template = resolver.template;
  const set: IamPolicySet = { roles: {}, functions: {}, stateMachines: {}, bucketPolicies: {} };
  const str = (v: CfnValue | undefined): string => String(v === undefined ? '' : resolver.resolve(v));
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const policies = (Array.isArray(resource.Properties?.Policies) ? resource.Properties.Policies : []).map((raw) => {
      const p = raw as { PolicyName: CfnValue; PolicyDocument: CfnValue };
      return { name: str(p.PolicyName), policy: resolver.resolve(p.PolicyDocument) as unknown as PolicyDocument };
    });
    set.roles[id] = { logicalId: id, name: resolver.ref(id), arn: resolver.getAtt(id, 'Arn'), policies };
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy') {
      for (const role of Array.isArray(props.Roles) ? props.Roles : []) {
        const target = Object.values(set.roles).find((r) => r.name === str(role));
        target?.policies.push({
          name: str(props.PolicyName),
          policy: resolver.resolve(props.PolicyDocument ?? null) as unknown as PolicyDocument,
        });
      }
    }
    if (resource.Type === 'AWS::Lambda::Function') {
      const role = roleLogicalId(props.Role, template);
      if (role) set.functions[id] = { role, name: str(props.FunctionName) || resolver.ref(id) };
    }
    if (resource.Type === 'AWS::StepFunctions::StateMachine') {
      const role = roleLogicalId(props.RoleArn, template);
      if (role) set.stateMachines[id] = { role, name: resolver.getAtt(id, 'Name') };
    }
    if (resource.Type === 'AWS::S3::BucketPolicy') {
      set.bucketPolicies[str(props.Bucket)] = resolver.resolve(
        props.PolicyDocument ?? null,
      ) as unknown as PolicyDocument;
    }
  }
  return set;
}

/** Who signs with an access key: a function or a state machine, by logical id. */
export interface IamPrincipalRef {
  kind: 'function' | 'state-machine';
  logicalId: string;
}

export interface IamDecision {
  /** The logical id of the function or state machine that made the call. */
  caller: string;
  role: string;
  action: string;
  resource: string;
  allowed: boolean;
  /** Why a call was refused without a policy decision (unmapped request, simulation error). */
  note?: string;
}

export interface IamGateOptions {
  accountId: string;
  region: string;
  /** Access key id → who signs with it. Requests signed with any other key are not evaluated. */
  principals: Record<string, IamPrincipalRef>;
  /** The policy set in force (it changes when the configuration the template is packaged with changes). */
  policies: () => Promise<IamPolicySet>;
  onDecision?: (decision: IamDecision) => void;
}

type Verdict = { allowed: boolean; explicitDenyIn?: 'identity-based' | 'resource-based'; note?: string };

export class IamGate implements FaultInjector {
  /**
   * Verdicts by policy set, role, action and resource: the evaluation depends on nothing else
   * (the context variables are constant), and a policy set is replaced, never changed.
   */
  private readonly verdicts = new WeakMap<IamPolicySet, Map<string, Promise<Verdict>>>();

  constructor(private readonly options: IamGateOptions) {}

  faultFor(request: FaultRequest): Promise<Fault | undefined> | undefined {
    const signature = signatureOf(request.authorization);
    if (!signature) return undefined;
    const principal = this.options.principals[signature.accessKeyId];
    if (!principal) return undefined;
    const context = { region: signature.region, accountId: this.options.accountId };
    return this.authorize(
      principal,
      request.service,
      iamCalls(request, context),
      `${request.service}:${request.action}`,
    );
  }

  /** Evaluates calls made by `principal` (an unmappable request, `calls` undefined, is refused). */
  async authorize(
    principal: IamPrincipalRef,
    service: FaultService,
    calls: readonly IamCall[] | undefined,
    requested: string,
  ): Promise<Fault | undefined> {
    let set: IamPolicySet;
    try {
      set = await this.options.policies();
    } catch (error) {
      return {
        ...serverError(service),
        message: `local IAM: the packaged template is unavailable: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const who =
      principal.kind === 'function' ? set.functions[principal.logicalId] : set.stateMachines[principal.logicalId];
    const role = who ? set.roles[who.role] : undefined;
    const sessionArn = `arn:aws:sts::${this.options.accountId}:assumed-role/${role?.name ?? 'unknown'}/${who?.name ?? principal.logicalId}`;
    const decide = (call: IamCall, allowed: boolean, note?: string) =>
      this.options.onDecision?.({
        caller: principal.logicalId,
        role: role?.logicalId ?? '',
        action: call.action,
        resource: call.resource,
        allowed,
        ...(note ? { note } : {}),
      });
    if (!calls) {
      const call = { action: requested, resource: '*' };
      decide(call, false, 'request not mapped to an IAM action');
      return accessDenied(service, { principal: sessionArn, ...call });
    }
    for (const call of calls) {
      const verdict = role
        ? await this.verdict(role, sessionArn, call, set)
        : { allowed: false as const, note: `no role for ${principal.logicalId}` };
      decide(call, verdict.allowed, verdict.note);
      if (!verdict.allowed) {
        return accessDenied(service, {
          principal: sessionArn,
          ...call,
          ...(verdict.explicitDenyIn ? { explicitDenyIn: verdict.explicitDenyIn } : {}),
        });
      }
    }
    return undefined;
  }

  private verdict(role: IamRole, sessionArn: string, call: IamCall, set: IamPolicySet): Promise<Verdict> {
    let known = this.verdicts.get(set);
    if (!known) this.verdicts.set(set, (known = new Map()));
    const key = `${role.logicalId}\0${sessionArn}\0${call.action}\0${call.resource}`;
    let verdict = known.get(key);
    if (!verdict) known.set(key, (verdict = this.evaluate(role, sessionArn, call, set)));
    return verdict;
  }

  private async evaluate(role: IamRole, sessionArn: string, call: IamCall, set: IamPolicySet): Promise<Verdict> {
    const bucket = call.action.startsWith('s3:') ? /^arn:[^:]+:s3:::([^/]+)/.exec(call.resource)?.[1] : undefined;
    const resourcePolicy = bucket ? set.bucketPolicies[bucket] : undefined;
    const result = await runSimulation(
      {
        request: {
          principal: sessionArn,
          action: call.action,
          resource: { resource: call.resource, accountId: this.options.accountId },
          // The functions reach AWS over HTTPS; the local endpoints' plain HTTP is a local transport.
          contextVariables: {
            'aws:SecureTransport': 'true',
            'aws:PrincipalArn': role.arn,
            'aws:PrincipalAccount': this.options.accountId,
          },
        },
        identityPolicies: role.policies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy } : {}),
      },
      {},
    );
    if (result.resultType === 'error') return { allowed: false, note: `simulation error: ${result.errors.message}` };
    if (result.overallResult === 'Allowed') return { allowed: true };
    if (result.overallResult === 'ExplicitlyDenied') {
      const identity = result.resultType === 'single' ? result.result.analysis.identityAnalysis?.result : undefined;
      return { allowed: false, explicitDenyIn: identity === 'ExplicitlyDenied' ? 'identity-based' : 'resource-based' };
    }
    return { allowed: false };
  }
}
