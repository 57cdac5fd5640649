import { describeEndpoint, sameEndpoint } from '../../functions/domain/endpoints';

const endpoint = { host: 'sessions.abc123.use1.cache.amazonaws.com', port: 6379, tls: true };

describe('sameEndpoint', () => {
  it.each([
    ['the same endpoint', endpoint, { ...endpoint }, true],
    ['another host', endpoint, { ...endpoint, host: 'other' }, false],
    ['another port', endpoint, { ...endpoint, port: 6380 }, false],
    ['TLS against plain', endpoint, { ...endpoint, tls: false }, false],
    ['plain, with tls false or unset', { host: 'h', port: 1, tls: false }, { host: 'h', port: 1 }, true],
    ['an unknown endpoint', endpoint, undefined, false],
    ['two unknown endpoints', undefined, undefined, false],
  ])('%s → %s', (_what, a, b, same) => {
    expect(sameEndpoint(a, b as typeof endpoint | undefined)).toBe(same);
  });
});

describe('describeEndpoint', () => {
  it.each([
    [endpoint, 'sessions.abc123.use1.cache.amazonaws.com:6379 (TLS)'],
    [{ host: '10.0.0.7', port: 6380, tls: false }, '10.0.0.7:6380'],
  ])('%j → %s', (e, text) => {
    expect(describeEndpoint(e)).toBe(text);
  });
});
