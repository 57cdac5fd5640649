/**
 * Everything the recovery steps' use cases need, resolved on first use from
 * the wired adapters and the configuration. Each handler passes this object
 * as its `deps`; a use case reads only the members its own deps type names.
 */
import { config } from '../config';
import {
  backupCatalog,
  cacheFleet,
  cacheProbe,
  cacheWriter,
  clock,
  endpointRecord,
  incidentStore,
  notifier,
  secretReader,
  sourceOfTruth,
} from '../wiring';

export const wired = {
  get store() {
    return incidentStore();
  },
  get notifier() {
    return notifier();
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
  get templates() {
    return config.templates;
  },
  get notices() {
    return config.notices;
  },
  get approvalPolicy() {
    return config.approvalPolicy;
  },
  get probeTimeoutMs() {
    return config.probeTimeoutMs;
  },
};
