/**
 * The public status page behind the HTTP API (payload 2.0, routes without the
 * authorizer): GET /status, /status/feed.atom and /status.json. It reads the
 * status page's one item (see ../usecases/status-page.ts) and nothing else.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { config } from '../config';
import { statusResponse, statusRoute } from '../console/status-http';
import { lambdaHandler } from '../lib/observability';
import { readStatus, type StatusPageDeps } from '../usecases/status-page';
import { statusPages } from '../wiring/dynamodb';
import { lazyDeps } from '../wiring/lazy-deps';

export const makeHandler = (deps: StatusPageDeps) =>
  lambdaHandler(
    'status-page',
    async (event: APIGatewayProxyEventV2, _context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
      const route = statusRoute(event);
      if (typeof route !== 'string') return route;
      return statusResponse(event, route, await readStatus(deps));
    },
  );

export const handler = makeHandler(
  lazyDeps<StatusPageDeps>({ statusPage: statusPages, notices: () => config.notices }),
);
