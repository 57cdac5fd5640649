/**
 * What each recovery step's use case needs, resolved on first use from the
 * wired adapters and the configuration. Each handler passes its own object as
 * its `deps`, and each object names only the adapters that step uses: a
 * bundle then holds (and a cold start loads) only those adapters' clients.
 */
import { config } from '../config';
import type { AssessDeps } from '../usecases/assess';
import type { CheckCacheDeps } from '../usecases/check-cache';
import type { CloseIncidentDeps } from '../usecases/close-incident';
import type { ConfirmOutageDeps } from '../usecases/confirm-outage';
import type { CutOverDeps } from '../usecases/cut-over';
import type { EscalateDeps } from '../usecases/escalate';
import type { ExecutionStatusDeps } from '../usecases/execution-status';
import type { NotifyDeps } from '../usecases/notify';
import type { PromoteDeps } from '../usecases/promote';
import type { ProvisionDeps } from '../usecases/provision';
import type { RehydrateDeps } from '../usecases/rehydrate';
import type { RequestApprovalDeps } from '../usecases/request-approval';
import type { VerifyDeps } from '../usecases/verify';
import { clock, sleep } from '../wiring/clock';
import { incidentStore, sourceOfTruth } from '../wiring/dynamodb';
import { cacheFleet } from '../wiring/elasticache';
import { cacheProbe } from '../wiring/redis-probe';
import { cacheWriter } from '../wiring/redis-writer';
import { backupCatalog } from '../wiring/s3';
import { executionReader } from '../wiring/sfn-executions';
import { notifier } from '../wiring/sns';
import { endpointRecord, secretReader } from '../wiring/ssm';

/**
 * An object whose properties are resolved on first read, so nothing is built
 * before a step needs it. Calls are marked pure so that a bundle keeps only the
 * deps object its handler imports, and with it only that step's adapters.
 */
function lazyDeps<T extends object>(thunks: { [K in keyof T]: () => T[K] }): T {
  const deps = {} as T;
  for (const key of Object.keys(thunks) as (keyof T & string)[]) {
    Object.defineProperty(deps, key, { enumerable: true, get: thunks[key] });
  }
  return deps;
}

export const assessDeps = /* @__PURE__ */ lazyDeps<AssessDeps>({
  store: incidentStore,
  probe: cacheProbe,
  fleet: cacheFleet,
  backups: backupCatalog,
  endpoints: endpointRecord,
  secrets: secretReader,
  clock,
  caches: () => config.protectedCaches,
  approvalPolicy: () => config.approvalPolicy,
  probeTimeoutMs: () => config.probeTimeoutMs,
});

export const checkCacheDeps = /* @__PURE__ */ lazyDeps<CheckCacheDeps>({
  store: incidentStore,
  fleet: cacheFleet,
  probe: cacheProbe,
  secrets: secretReader,
  clock,
  caches: () => config.protectedCaches,
  probeTimeoutMs: () => config.probeTimeoutMs,
});

export const closeIncidentDeps = /* @__PURE__ */ lazyDeps<CloseIncidentDeps>({
  store: incidentStore,
  clock,
});

export const confirmOutageDeps = /* @__PURE__ */ lazyDeps<ConfirmOutageDeps>({
  store: incidentStore,
  endpoints: endpointRecord,
  probe: cacheProbe,
  secrets: secretReader,
  notifier: notifier,
  clock,
  sleep,
  caches: () => config.protectedCaches,
  probeTimeoutMs: () => config.probeTimeoutMs,
  confirmation: () => config.confirmation,
  region: () => config.region,
  notices: () => config.notices,
});

export const cutOverDeps = /* @__PURE__ */ lazyDeps<CutOverDeps>({
  store: incidentStore,
  endpoints: endpointRecord,
  clock,
  caches: () => config.protectedCaches,
});

export const escalateDeps = /* @__PURE__ */ lazyDeps<EscalateDeps>({
  store: incidentStore,
  notifier: notifier,
  clock,
  notices: () => config.notices,
  executions: executionReader,
});

export const executionStatusDeps = /* @__PURE__ */ lazyDeps<ExecutionStatusDeps>({
  store: incidentStore,
  notifier: notifier,
  clock,
  notices: () => config.notices,
  executions: executionReader,
});

export const notifyDeps = /* @__PURE__ */ lazyDeps<NotifyDeps>({
  store: incidentStore,
  notifier: notifier,
  clock,
  templates: () => config.templates,
  notices: () => config.notices,
});

export const promoteDeps = /* @__PURE__ */ lazyDeps<PromoteDeps>({
  store: incidentStore,
  fleet: cacheFleet,
  clock,
});

export const provisionDeps = /* @__PURE__ */ lazyDeps<ProvisionDeps>({
  store: incidentStore,
  fleet: cacheFleet,
  backups: backupCatalog,
  region: () => config.region,
  secrets: secretReader,
  clock,
  caches: () => config.protectedCaches,
});

export const rehydrateDeps = /* @__PURE__ */ lazyDeps<RehydrateDeps>({
  store: incidentStore,
  source: sourceOfTruth,
  writer: cacheWriter,
  secrets: secretReader,
  clock,
  caches: () => config.protectedCaches,
});

export const requestApprovalDeps = /* @__PURE__ */ lazyDeps<RequestApprovalDeps>({
  store: incidentStore,
  notifier: notifier,
  clock,
  notices: () => config.notices,
});

export const verifyDeps = /* @__PURE__ */ lazyDeps<VerifyDeps>({
  store: incidentStore,
  endpoints: endpointRecord,
  probe: cacheProbe,
  secrets: secretReader,
  source: sourceOfTruth,
  writer: cacheWriter,
  clock,
  caches: () => config.protectedCaches,
  probeTimeoutMs: () => config.probeTimeoutMs,
});
