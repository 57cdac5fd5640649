/**
 * The adapters the handlers use, built lazily from `config` and kept for the
 * life of the container (one client per AWS service). Endpoints come from the
 * SDK's own settings (`AWS_ENDPOINT_URL_<SERVICE>`), never from code here.
 *
 * Each AWS service (and each Redis use) has its own module under wiring/, so a
 * handler that imports only the getters it calls is bundled without the SDK
 * clients and libraries behind the others, and does not pay for loading them
 * at cold start. This module gathers them all in one place.
 */
export { clock } from './wiring/clock';
export { incidentStore, sourceOfTruth } from './wiring/dynamodb';
export { cacheFleet } from './wiring/elasticache';
export { cacheProbe } from './wiring/redis-probe';
export { cacheWriter } from './wiring/redis-writer';
export { backupCatalog } from './wiring/s3';
export { taskResumer, workflow } from './wiring/sfn';
export { notifier } from './wiring/sns';
export { endpointRecord, secretReader } from './wiring/ssm';
