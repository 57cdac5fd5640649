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
import type { CutOverDeps } from '../usecases/cut-over';
import type { EscalateDeps } from '../usecases/escalate';
import type { NotifyDeps } from '../usecases/notify';
import type { PromoteDeps } from '../usecases/promote';
import type { ProvisionDeps } from '../usecases/provision';
import type { RehydrateDeps } from '../usecases/rehydrate';
import type { RequestApprovalDeps } from '../usecases/request-approval';
import type { VerifyDeps } from '../usecases/verify';
import { clock } from '../wiring/clock';
import { incidentStore, sourceOfTruth } from '../wiring/dynamodb';
import { cacheFleet } from '../wiring/elasticache';
import { cacheProbe } from '../wiring/redis-probe';
import { cacheWriter } from '../wiring/redis-writer';
import { backupCatalog } from '../wiring/s3';
import { notifier } from '../wiring/sns';
import { endpointRecord, secretReader } from '../wiring/ssm';

export const assessDeps: AssessDeps = {
  get store() {
    return incidentStore();
  },
  get probe() {
    return cacheProbe();
  },
  get fleet() {
    return cacheFleet();
  },
  get backups() {
    return backupCatalog();
  },
  get endpoints() {
    return endpointRecord();
  },
  get secrets() {
    return secretReader();
  },
  get clock() {
    return clock();
  },
  get caches() {
    return config.protectedCaches;
  },
  get approvalPolicy() {
    return config.approvalPolicy;
  },
  get probeTimeoutMs() {
    return config.probeTimeoutMs;
  },
};

export const checkCacheDeps: CheckCacheDeps = {
  get store() {
    return incidentStore();
  },
  get fleet() {
    return cacheFleet();
  },
  get probe() {
    return cacheProbe();
  },
  get secrets() {
    return secretReader();
  },
  get clock() {
    return clock();
  },
  get caches() {
    return config.protectedCaches;
  },
  get probeTimeoutMs() {
    return config.probeTimeoutMs;
  },
};

export const closeIncidentDeps: CloseIncidentDeps = {
  get store() {
    return incidentStore();
  },
  get clock() {
    return clock();
  },
};

export const cutOverDeps: CutOverDeps = {
  get store() {
    return incidentStore();
  },
  get endpoints() {
    return endpointRecord();
  },
  get clock() {
    return clock();
  },
  get caches() {
    return config.protectedCaches;
  },
};

export const escalateDeps: EscalateDeps = {
  get store() {
    return incidentStore();
  },
  get notifier() {
    return notifier();
  },
  get clock() {
    return clock();
  },
  get notices() {
    return config.notices;
  },
};

export const notifyDeps: NotifyDeps = {
  get store() {
    return incidentStore();
  },
  get notifier() {
    return notifier();
  },
  get clock() {
    return clock();
  },
  get templates() {
    return config.templates;
  },
  get notices() {
    return config.notices;
  },
};

export const promoteDeps: PromoteDeps = {
  get store() {
    return incidentStore();
  },
  get fleet() {
    return cacheFleet();
  },
  get clock() {
    return clock();
  },
};

export const provisionDeps: ProvisionDeps = {
  get store() {
    return incidentStore();
  },
  get fleet() {
    return cacheFleet();
  },
  get secrets() {
    return secretReader();
  },
  get clock() {
    return clock();
  },
  get caches() {
    return config.protectedCaches;
  },
};

export const rehydrateDeps: RehydrateDeps = {
  get store() {
    return incidentStore();
  },
  get source() {
    return sourceOfTruth();
  },
  get writer() {
    return cacheWriter();
  },
  get secrets() {
    return secretReader();
  },
  get clock() {
    return clock();
  },
  get caches() {
    return config.protectedCaches;
  },
};

export const requestApprovalDeps: RequestApprovalDeps = {
  get store() {
    return incidentStore();
  },
  get notifier() {
    return notifier();
  },
  get clock() {
    return clock();
  },
  get notices() {
    return config.notices;
  },
};

export const verifyDeps: VerifyDeps = {
  get store() {
    return incidentStore();
  },
  get endpoints() {
    return endpointRecord();
  },
  get probe() {
    return cacheProbe();
  },
  get secrets() {
    return secretReader();
  },
  get source() {
    return sourceOfTruth();
  },
  get writer() {
    return cacheWriter();
  },
  get clock() {
    return clock();
  },
  get caches() {
    return config.protectedCaches;
  },
  get probeTimeoutMs() {
    return config.probeTimeoutMs;
  },
};
