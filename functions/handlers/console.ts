/**
 * The operator console behind API Gateway's HTTP API (payload 2.0, the
 * `consoleAuthorizer` Lambda authorizer): incident list and page, live
 * events, the caches and their backups, approve / reject / acknowledge, an incident group's page and its
 * decisions (../console/group-routes.ts), the post-incident report
 * (../console/report-route.ts) and its operators' notes (../console/report-notes-route.ts), and the browser's sign-in (/login
 * and /callback, the only routes without the authorizer) and sign-out. Each
 * route parses the request and calls one use case. See ../console/auth.ts for
 * how operators are authenticated and authorized, ../console/sign-in.ts and
 * ../console/sign-in-routes.ts for the sign-in flow.
 * Task tokens never reach this module: the use cases read them from the store
 * and hand them only to Step Functions.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import {
  ApprovalAlreadyDecidedError,
  IncidentNotFinishedError,
  IncidentNotFoundError,
  NotRedrivableError,
  ValidationError,
} from '../domain/errors';
import { UTC } from '../domain/time-labels';
import { lambdaHandler, logger } from '../lib/observability';
import { listCacheBackups, type CacheBackupsDeps } from '../usecases/cache-backups';
import { acknowledgeApproval, decideApproval, type DecideApprovalDeps } from '../usecases/decide-approval';
import { incidentReport } from '../usecases/incident-report';
import { listIncidents, viewIncident, type IncidentViewDeps } from '../usecases/incident-view';
import { redriveIncident, type RedriveDeps } from '../usecases/redrive-incident';
import { reliabilityStats, type ReliabilityStatsDeps } from '../usecases/reliability-stats';
import { config } from '../config';
import { clock } from '../wiring/clock';
import { consoleSignIn } from '../wiring/console-sign-in';
import { backupRecords, incidentStore, mirrorRecords } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';
import { executionRedriver, taskResumer } from '../wiring/sfn';
import { executionReader } from '../wiring/sfn-executions';
import {
  credentialOf,
  csrfAccepted,
  csrfTokenFor,
  isOperator,
  OPERATORS_GROUP,
  operatorFrom,
  SESSION_COOKIE,
  signedOutFrom,
} from '../console/auth';
import { cachesPage } from '../console/caches-page';
import type { TimeContext } from '../console/format';
import { expiredForm, failure } from '../console/answers';
import { groupRoute, type GroupRouteDeps } from '../console/group-routes';
import { incidentPage, listPage } from '../console/html';
import { reportRoute } from '../console/report-route';
import { reportNotesRoute, type ReportNotesDeps } from '../console/report-notes-route';
import { REPORTED } from '../console/report-section';
import {
  cookie,
  html,
  json,
  newNonce,
  originOf,
  parseBody,
  redirect,
  route,
  wantsJson,
  type ConsoleEvent,
  type ConsoleResult,
} from '../console/http';
import type { SignIn } from '../console/sign-in';
import { signedOutAnswer } from '../console/signed-out';
import { callback, login } from '../console/sign-in-routes';
import { statsPage } from '../console/stats-page';

export type ConsoleDeps = DecideApprovalDeps &
  GroupRouteDeps &
  IncidentViewDeps &
  RedriveDeps &
  ReportNotesDeps &
  CacheBackupsDeps &
  ReliabilityStatsDeps & { readonly signIn: SignIn };

const timeContext = (deps: ConsoleDeps): TimeContext => ({ zone: deps.timeZone ?? UTC, now: deps.clock.now() });

const incidentPath = (incidentId: string) => `/incidents/${encodeURIComponent(incidentId)}`;

async function serve(deps: ConsoleDeps, event: ConsoleEvent): Promise<ConsoleResult> {
  const method = event.requestContext.http.method.toUpperCase();
  const r = route(method, event.rawPath);
  if (r.name === 'login') return login(deps.signIn, event);
  if (r.name === 'callback') return callback(deps.signIn, event);

  const operator = operatorFrom(event.requestContext.authorizer?.lambda);
  if (!operator) {
    const signedOut = signedOutFrom(event.requestContext.authorizer?.lambda);
    const answer = signedOutAnswer(event, signedOut, config.operatorTimeZone, deps.clock.now());
    return answer ?? failure(event, 401, 'Unauthorized', 'Sign in to use the console.', undefined, '/login');
  }
  const credential = credentialOf(event.headers ?? {}, event.cookies);
  if (r.name === 'logout') {
    if (!csrfAccepted(credential, parseBody(event).csrf)) {
      return failure(
        event,
        403,
        'Forbidden',
        'This form has expired or did not come from the console: reload the page and try again.',
        operator,
      );
    }
    return redirect(deps.signIn.logoutUrl(`${originOf(event)}/login`), [
      cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0 }),
    ]);
  }
  if (!isOperator(operator)) {
    return failure(
      event,
      403,
      'Forbidden',
      `${operator.name} is not in the "${OPERATORS_GROUP}" group: only operators may see incidents and decide.`,
      operator,
    );
  }

  switch (r.name) {
    case 'list': {
      const list = await listIncidents(deps);
      return wantsJson(event)
        ? json(200, list)
        : html(200, listPage(list, operator.name, csrfTokenFor(credential), timeContext(deps)));
    }
    case 'caches': {
      const caches = await listCacheBackups(deps);
      return wantsJson(event)
        ? json(200, { caches })
        : html(200, cachesPage(caches, operator.name, csrfTokenFor(credential), timeContext(deps)));
    }
    case 'incident':
    case 'events': {
      const view = await viewIncident(deps, r.incidentId);
      if (r.name === 'events' || wantsJson(event)) return json(200, view);
      const nonce = newNonce();
      // A finished incident's page holds its report's operator sections as a form.
      const report = REPORTED.includes(view.incident.status) ? await incidentReport(deps, r.incidentId) : undefined;
      return html(200, incidentPage(view, operator.name, csrfTokenFor(credential), nonce, report), nonce);
    }
    case 'decide':
    case 'ack': {
      const form = parseBody(event);
      if (!csrfAccepted(credential, form.csrf)) {
        return expiredForm(event, operator, incidentPath(r.incidentId));
      }
      if (r.name === 'ack') {
        await acknowledgeApproval(deps, { incidentId: r.incidentId, step: r.step, by: operator.name });
        logger.info('approval acknowledged', { incidentId: r.incidentId, approvalStep: r.step, by: operator.name });
        return wantsJson(event)
          ? json(200, { incidentId: r.incidentId, step: r.step, acknowledgedBy: operator.name })
          : redirect(incidentPath(r.incidentId));
      }
      if (form.decision !== 'approve' && form.decision !== 'reject') {
        throw new ValidationError('approval decision', [
          { path: 'decision', message: 'must be "approve" or "reject"' },
        ]);
      }
      const decided = await decideApproval(deps, {
        incidentId: r.incidentId,
        step: r.step,
        decision: form.decision,
        decidedBy: operator.name,
        reason: form.reason ?? '',
      });
      logger.info('approval decided', {
        incidentId: r.incidentId,
        approvalStep: r.step,
        status: decided.status,
        decidedBy: decided.decidedBy,
      });
      return wantsJson(event) ? json(200, decided) : redirect(incidentPath(r.incidentId));
    }
    case 'redrive': {
      const form = parseBody(event);
      if (!csrfAccepted(credential, form.csrf)) {
        return expiredForm(event, operator, incidentPath(r.incidentId));
      }
      const redriven = await redriveIncident(deps, {
        incidentId: r.incidentId,
        requestedBy: operator.name,
        reason: form.reason ?? '',
      });
      logger.info('workflow redriven', {
        incidentId: r.incidentId,
        continuesAt: redriven.continuesAt,
        requestedBy: redriven.requestedBy,
      });
      return wantsJson(event) ? json(200, redriven) : redirect(incidentPath(r.incidentId));
    }
    case 'report':
      return reportRoute(deps, event, r.incidentId);
    case 'report-notes':
      return reportNotesRoute(deps, event, r.incidentId, operator, credential);
    case 'group':
    case 'group-decide':
    case 'group-ack':
      return groupRoute(deps, event, r, operator, credential);
    case 'stats': {
      const since = event.queryStringParameters?.since;
      const stats = await reliabilityStats(deps, { ...(since !== undefined ? { since } : {}) });
      return wantsJson(event)
        ? json(200, stats)
        : html(200, statsPage(stats, operator.name, csrfTokenFor(credential), timeContext(deps), since));
    }
    case 'method-not-allowed': {
      const result = failure(event, 405, 'Method Not Allowed', `Use ${r.allow} here.`, operator);
      return { ...result, headers: { ...result.headers, allow: r.allow } };
    }
    case 'not-found':
      return failure(event, 404, 'Not Found', 'There is no such page.', operator);
  }
}

/** The fields of API Gateway's payload 2.0 the console reads, with the types API Gateway guarantees. */
const httpApiEventSchema = z.object({
  rawPath: z.string(),
  requestContext: z.object({ http: z.object({ method: z.string() }) }),
  headers: z.record(z.string(), z.string()).optional(),
  queryStringParameters: z.record(z.string(), z.string()).optional(),
  cookies: z.array(z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

export function makeHandler(deps: ConsoleDeps) {
  return lambdaHandler('console', async (raw: unknown, _context: Context): Promise<ConsoleResult> => {
    const shape = httpApiEventSchema.safeParse(raw);
    if (!shape.success) {
      logger.warn('not an HTTP API request', {
        issues: shape.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      return json(400, { error: 'Bad Request', message: 'not an HTTP API (payload 2.0) request' });
    }
    const event = raw as ConsoleEvent;
    const incidentBack = /^\/(incidents|groups)\/[^/]+/.exec(event.rawPath ?? '')?.[0];
    try {
      return await serve(deps, event);
    } catch (err) {
      const operator = operatorFrom(event.requestContext?.authorizer?.lambda);
      if (err instanceof ValidationError)
        return failure(event, 400, 'Bad Request', err.message, operator, incidentBack);
      if (err instanceof IncidentNotFoundError) return failure(event, 404, 'Not Found', err.message, operator);
      if (err instanceof ApprovalAlreadyDecidedError) {
        return failure(event, 409, 'Already decided', `${err.message}. Nothing was changed.`, operator, incidentBack);
      }
      if (err instanceof IncidentNotFinishedError)
        return failure(event, 409, 'Not finished', `${err.message}. Nothing was changed.`, operator, incidentBack);
      if (err instanceof NotRedrivableError)
        return failure(event, 409, 'Cannot continue', `${err.message}. Nothing was changed.`, operator, incidentBack);
      logger.error('console request failed', err as Error);
      return failure(
        event,
        500,
        'Internal Server Error',
        'Something went wrong; the error is logged. Try again.',
        operator,
        incidentBack,
      );
    }
  });
}

export const handler = makeHandler(
  lazyDeps<ConsoleDeps>({
    store: incidentStore,
    resumer: taskResumer,
    clock,
    timeZone: () => config.operatorTimeZone,
    executions: executionReader,
    redriver: executionRedriver,
    signIn: consoleSignIn,
    caches: () => config.protectedCaches,
    backupRecords,
    mirrorRecords,
  }),
);
