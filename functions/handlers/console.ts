/**
 * The operator console behind API Gateway's HTTP API (payload 2.0, JWT
 * authorizer): incident list and page, live events, approve / reject /
 * acknowledge. Each route parses the request and calls one use case. See
 * ../console/auth.ts for how operators are authenticated and authorized.
 * Task tokens never reach this module: the use cases read them from the store
 * and hand them only to Step Functions.
 */
import type { Context } from 'aws-lambda';
import { config } from '../config';
import { ApprovalAlreadyDecidedError, IncidentNotFoundError, ValidationError } from '../domain/errors';
import { lambdaHandler, logger } from '../lib/observability';
import { acknowledgeApproval, decideApproval, type DecideApprovalDeps } from '../usecases/decide-approval';
import { listIncidents, viewIncident, type IncidentViewDeps } from '../usecases/incident-view';
import { clock, incidentStore, taskResumer } from '../wiring';
import { credentialOf, csrfAccepted, csrfTokenFor, isOperator, OPERATORS_GROUP, operatorFrom, type Operator } from '../console/auth';
import { incidentPage, listPage, messagePage } from '../console/html';
import {
  html,
  json,
  newNonce,
  parseBody,
  redirect,
  route,
  wantsJson,
  type ConsoleEvent,
  type ConsoleResult,
} from '../console/http';
import { SfnExecutionReader } from '../console/sfn-execution-reader';

export type ConsoleDeps = DecideApprovalDeps & IncidentViewDeps;

const incidentPath = (incidentId: string) => `/incidents/${encodeURIComponent(incidentId)}`;

function failure(event: ConsoleEvent, status: number, error: string, message: string, operator?: Operator, back?: string): ConsoleResult {
  if (wantsJson(event)) return json(status, { error, message });
  return html(status, messagePage(status, error, message, operator?.name, back));
}

async function serve(deps: ConsoleDeps, event: ConsoleEvent): Promise<ConsoleResult> {
  const operator = operatorFrom(event.requestContext.authorizer?.jwt?.claims);
  if (!operator) return failure(event, 401, 'Unauthorized', 'Sign in to use the console.');
  if (!isOperator(operator)) {
    return failure(event, 403, 'Forbidden', `${operator.name} is not in the "${OPERATORS_GROUP}" group: only operators may see incidents and decide.`, operator);
  }
  const method = event.requestContext.http.method.toUpperCase();
  const r = route(method, event.rawPath);
  const credential = credentialOf(event.headers ?? {}, event.cookies);

  switch (r.name) {
    case 'list': {
      const incidents = await listIncidents(deps);
      return wantsJson(event) ? json(200, { incidents }) : html(200, listPage(incidents, operator.name));
    }
    case 'incident':
    case 'events': {
      const view = await viewIncident(deps, r.incidentId);
      if (r.name === 'events' || wantsJson(event)) return json(200, view);
      const nonce = newNonce();
      return html(200, incidentPage(view, operator.name, csrfTokenFor(credential), nonce), nonce);
    }
    case 'decide':
    case 'ack': {
      const form = parseBody(event);
      if (!csrfAccepted(credential, form.csrf)) {
        return failure(event, 403, 'Forbidden', 'This form has expired or did not come from the console: reload the incident page and try again.', operator, incidentPath(r.incidentId));
      }
      if (r.name === 'ack') {
        await acknowledgeApproval(deps, { incidentId: r.incidentId, step: r.step, by: operator.name });
        logger.info('approval acknowledged', { incidentId: r.incidentId, approvalStep: r.step, by: operator.name });
        return wantsJson(event) ? json(200, { incidentId: r.incidentId, step: r.step, acknowledgedBy: operator.name }) : redirect(incidentPath(r.incidentId));
      }
      if (form.decision !== 'approve' && form.decision !== 'reject') {
        throw new ValidationError('approval decision', [{ path: 'decision', message: 'must be "approve" or "reject"' }]);
      }
      const decided = await decideApproval(deps, {
        incidentId: r.incidentId,
        step: r.step,
        decision: form.decision,
        decidedBy: operator.name,
        reason: form.reason ?? '',
      });
      logger.info('approval decided', { incidentId: r.incidentId, approvalStep: r.step, status: decided.status, decidedBy: decided.decidedBy });
      return wantsJson(event) ? json(200, decided) : redirect(incidentPath(r.incidentId));
    }
    case 'method-not-allowed': {
      const result = failure(event, 405, 'Method Not Allowed', `Use ${r.allow} here.`, operator);
      return { ...result, headers: { ...result.headers, allow: r.allow } };
    }
    case 'not-found':
      return failure(event, 404, 'Not Found', 'There is no such page.', operator);
  }
}

export function makeHandler(deps: ConsoleDeps) {
  return lambdaHandler('console', async (event: ConsoleEvent, _context: Context): Promise<ConsoleResult> => {
    const incidentBack = /^\/incidents\/[^/]+/.exec(event.rawPath ?? '')?.[0];
    try {
      return await serve(deps, event);
    } catch (err) {
      const operator = operatorFrom(event.requestContext?.authorizer?.jwt?.claims);
      if (err instanceof ValidationError) return failure(event, 400, 'Bad Request', err.message, operator, incidentBack);
      if (err instanceof IncidentNotFoundError) return failure(event, 404, 'Not Found', err.message, operator);
      if (err instanceof ApprovalAlreadyDecidedError) {
        return failure(event, 409, 'Already decided', `${err.message}. Nothing was changed.`, operator, incidentBack);
      }
      logger.error('console request failed', err as Error);
      return failure(event, 500, 'Internal Server Error', 'Something went wrong; the error is logged. Try again.', operator, incidentBack);
    }
  });
}

let executions: SfnExecutionReader | undefined;

export const wiredConsole: ConsoleDeps = {
  get store() {
    return incidentStore();
  },
  get resumer() {
    return taskResumer();
  },
  get clock() {
    return clock();
  },
  get executions() {
    executions ??= new SfnExecutionReader({ region: config.region });
    return executions;
  },
};

export const handler = makeHandler(wiredConsole);
