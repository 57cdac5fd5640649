/**
 * The console's incident group routes, behind the same authorizer,
 * operators-group check and CSRF token as the incident routes:
 *
 *   GET  /groups/<id>                       the group page (JSON: a GroupView)
 *   POST /groups/<id>/approvals/<step>      decide: `decision` (approve | reject) for every cache waiting, or
 *                                           only those in `only`; `decide.<id>` (approve | reject) for one cache;
 *                                           `reason`, and `csrf` with a session cookie
 *   POST /groups/<id>/approvals/<step>/ack  "I'm looking at it" for every cache waiting
 *
 * Caches are named by incident or cache id. A decision answers JSON with
 * which caches were decided and which skipped and why; a browser gets the
 * group page with that outcome on top.
 */
import { ValidationError } from '../domain/errors';
import { logger } from '../lib/observability';
import {
  acknowledgeGroupApproval,
  type DecideGroupApprovalDeps,
  type GroupDecisionResult,
} from '../usecases/decide-approval';
import { decideGroupChoices, type Decision, type GroupChoices } from '../usecases/group-choices';
import { viewGroup } from '../usecases/group-view';
import type { IncidentViewDeps } from '../usecases/incident-view';
import { expiredForm } from './answers';
import { csrfAccepted, csrfTokenFor, type Credential, type Operator } from './auth';
import { groupPage } from './group-page';
import {
  html,
  ID,
  json,
  parseBody,
  wantsJson,
  type ConsoleEvent,
  type ConsoleResult,
  type DecisionForm,
  type Route,
} from './http';

export type GroupRouteDeps = DecideGroupApprovalDeps & IncidentViewDeps;

type GroupRoute = Extract<Route, { name: 'group' | 'group-decide' | 'group-ack' }>;

/** How many caches one request may name: far more than a provider hosts, far less than the body allows. */
const MAX_NAMED = 100;

export const groupHref = (groupId: string): string => `/groups/${encodeURIComponent(groupId)}`;

const isDecision = (v: unknown): v is Decision => v === 'approve' || v === 'reject';

/** The form's group fields, checked: typed errors naming the field, nothing decided. */
export function groupChoicesOf(form: DecisionForm): Pick<GroupChoices, 'decision' | 'only' | 'decide'> {
  const issues: { path: string; message: string }[] = [];
  if (form.decision !== undefined && !isDecision(form.decision))
    issues.push({ path: 'decision', message: 'must be "approve" or "reject"' });
  let only: string[] | undefined;
  if (form.only !== undefined) {
    const raw = typeof form.only === 'string' ? [form.only] : form.only;
    if (!Array.isArray(raw) || !raw.every((x) => typeof x === 'string')) {
      issues.push({ path: 'only', message: 'must be incident or cache ids, as a list or separated by commas' });
    } else {
      only = raw
        .flatMap((x: string) => x.split(','))
        .map((x) => x.trim())
        .filter(Boolean);
      if (!only.length) issues.push({ path: 'only', message: 'names no cache' });
      else if (only.length > MAX_NAMED) issues.push({ path: 'only', message: `at most ${MAX_NAMED} caches` });
      else if (only.some((x) => !ID.test(x))) issues.push({ path: 'only', message: 'not an incident or cache id' });
    }
  }
  const decide: Record<string, Decision> = {};
  const entries = Object.entries(form.decide ?? {});
  if (entries.length > MAX_NAMED) issues.push({ path: 'decide', message: `at most ${MAX_NAMED} caches` });
  else
    for (const [id, value] of entries) {
      const path = `decide.${id.slice(0, 60)}`;
      if (!ID.test(id)) issues.push({ path, message: 'not an incident or cache id' });
      else if (!isDecision(value)) issues.push({ path, message: 'must be "approve" or "reject"' });
      else decide[id] = value;
    }
  if (issues.length) throw new ValidationError('group decision', issues);
  if (form.decision === undefined && !Object.keys(decide).length)
    throw new ValidationError('group decision', [{ path: 'decision', message: 'must be "approve" or "reject"' }]);
  return {
    ...(isDecision(form.decision) ? { decision: form.decision } : {}),
    ...(only ? { only } : {}),
    ...(Object.keys(decide).length ? { decide } : {}),
  };
}

async function page(
  deps: GroupRouteDeps,
  groupId: string,
  operator: Operator,
  credential: Credential,
  outcome?: GroupDecisionResult,
): Promise<ConsoleResult> {
  const view = await viewGroup(deps, groupId);
  return html(200, groupPage(view, operator.name, csrfTokenFor(credential), outcome));
}

export async function groupRoute(
  deps: GroupRouteDeps,
  event: ConsoleEvent,
  r: GroupRoute,
  operator: Operator,
  credential: Credential,
): Promise<ConsoleResult> {
  if (r.name === 'group') {
    if (wantsJson(event)) return json(200, await viewGroup(deps, r.groupId));
    return page(deps, r.groupId, operator, credential);
  }
  const form = parseBody(event);
  if (!csrfAccepted(credential, form.csrf)) return expiredForm(event, operator, groupHref(r.groupId));
  if (r.name === 'group-ack') {
    const acknowledged = await acknowledgeGroupApproval(deps, { groupId: r.groupId, step: r.step, by: operator.name });
    logger.info('group approval acknowledged', { groupId: r.groupId, approvalStep: r.step, by: operator.name });
    const answer = { groupId: r.groupId, step: r.step, acknowledgedBy: operator.name, acknowledged };
    return wantsJson(event) ? json(200, answer) : page(deps, r.groupId, operator, credential);
  }
  const outcome = await decideGroupChoices(deps, {
    groupId: r.groupId,
    step: r.step,
    decidedBy: operator.name,
    reason: form.reason ?? '',
    ...groupChoicesOf(form),
  });
  logger.info('group approval decided', {
    groupId: r.groupId,
    approvalStep: r.step,
    decided: outcome.decided.map((d) => `${d.incidentId}:${d.status}`),
    skipped: outcome.skipped.map((s) => s.incidentId),
    decidedBy: operator.name,
  });
  return wantsJson(event) ? json(200, outcome) : page(deps, r.groupId, operator, credential, outcome);
}
