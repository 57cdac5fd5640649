/**
 * What the use cases need from the outside world, one module per area.
 * Adapters in `adapters/` implement these on the AWS SDK v3 and Redis; tests
 * use in-memory fakes (`test/fakes/`).
 */
export * from './store';
export * from './workflow';
export * from './notifications';
export * from './cache';
export * from './backups';
export * from './mirror';
export * from './rehydration';
export * from './runtime';
export * from './status-page';
export * from './reports';
