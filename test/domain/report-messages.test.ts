import { failedReportLines, groupResolvedMessage, resolvedMessage } from '../../functions/domain/report-messages';

const ID = 'sessions-20240216T212400Z';
const LINK = 'https://console.example.com/login?next=%2Fincidents%2Fsessions-20240216T212400Z%2Freport';

describe('resolvedMessage', () => {
  it('without a drafted report: the measured durations as the report writes them, and why it is not in S3', () => {
    const m = resolvedMessage({
      incidentId: ID,
      cacheId: 'sessions',
      outageSeconds: 2760,
      degradedSeconds: 4200,
      reportLink: LINK,
      storage: undefined,
    });
    expect(m.subject).toBe('Resolved: sessions \u2014 outage 46 min, degraded 1 h 10 min');
    expect(m.text.split('\n')).toEqual([
      `Incident ${ID}: cache sessions is back (outage 46 min, degraded 1 h 10 min).`,
      '',
      'Post-incident report:',
      `  - in the console: ${LINK}`,
      `  - from a terminal: cache-outage report ${ID}`,
      '  - not stored in S3: no reports bucket is configured',
    ]);
  });

  it('keeps the subject within the 100 characters SNS takes', () => {
    const m = resolvedMessage({ incidentId: ID, cacheId: 'c'.repeat(120), outageSeconds: 8, storage: undefined });
    expect(m.subject).toHaveLength(100);
    expect(m.text).not.toContain('in the console');
  });
});

describe('groupResolvedMessage', () => {
  it('counts the caches that were down, lists a false alarm without counting it', () => {
    const m = groupResolvedMessage({ groupId: 'cloud-east-20240216T212400Z', provider: 'cloud-east' }, [
      {
        incidentId: 'a-1',
        cacheId: 'a',
        state: 'RESOLVED',
        closed: {
          incidentId: 'a-1',
          cacheId: 'a',
          outageSeconds: 8,
          degradedSeconds: 6,
          storage: { stored: false, error: 'AccessDenied: no' },
        },
      },
      { incidentId: 'b-1', cacheId: 'b', state: 'REJECTED' },
      { incidentId: 'c-1', cacheId: 'c', state: 'FALSE_ALARM' },
    ]);
    expect(m.subject).toBe('Resolved: outage of cloud-east, 1 of 2 caches back');
    expect(m.text).toContain('\na (incident a-1): Resolved, outage 8 s, degraded 6 s\n');
    expect(m.text).toContain('    - not stored in S3: AccessDenied: no');
    expect(m.text).toContain('\nb (incident b-1): Plan rejected\n');
    expect(m.text).toContain('\nc (incident c-1): False alarm\n');
  });
});

describe('failedReportLines', () => {
  it('links the report and says where it is stored', () => {
    expect(failedReportLines({ incidentId: ID, reportLink: LINK }, `s3://reports/reports/${ID}/`)).toEqual([
      'Post-incident report (what was tried, where it stopped, who was told), drafted as this message goes out:',
      `  - in the console: ${LINK}`,
      `  - from a terminal: cache-outage report ${ID}`,
      `  - stored in S3 at s3://reports/reports/${ID}/ (if it could not be stored, the incident's timeline says why)`,
    ]);
  });
});
