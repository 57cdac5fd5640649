import { consoleLink } from '../../functions/domain/console-link';

describe('consoleLink', () => {
  it.each([
    ['https://console.example.com', 'sessions-1', 'https://console.example.com/login?next=%2Fincidents%2Fsessions-1'],
    ['https://console.example.com//', 'a b/c', 'https://console.example.com/login?next=%2Fincidents%2Fa%2520b%252Fc'],
    [undefined, 'sessions-1', undefined],
    ['', 'sessions-1', undefined],
  ])('%s, %s → %s', (url, incidentId, link) => {
    expect(consoleLink(url, incidentId)).toBe(link);
  });
});

describe('consoleLink to an incident’s report', () => {
  it('signs in, then goes to the report page beneath the incident, a console path', () => {
    const link = consoleLink('https://console.example.com/', 'sessions-1', 'incidents', 'report');
    expect(link).toBe('https://console.example.com/login?next=%2Fincidents%2Fsessions-1%2Freport');
    const next = new URL(link ?? '').searchParams.get('next');
    expect(next).toBe('/incidents/sessions-1/report');
  });
});
