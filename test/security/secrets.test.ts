/**
 * No secret leaves the workflow in anything a person or a log reader sees:
 * during a drill with an approval, a failure escalated to the operators and a
 * resolution, every function log line, every SNS message (status notices and
 * operator messages), every timeline entry and every execution error is
 * searched for the task tokens the Step Functions endpoint handed out, the
 * cache's AUTH token and the functions' AWS credentials.
 */
import { randomBytes } from 'node:crypto';
import { CACHE_ID } from '../../local/drill/setup';
import { Faults, denied } from '../../local/faults';
import { probeAlarmName } from '../../local/stack/alarms';
import { childProcesses } from '../e2e/processes';
import {
  alarmDelivery,
  autoApprove,
  breakCache,
  deliver,
  executions,
  figure,
  incidents,
  settle,
  startHarness,
  timeline,
  waitFor,
  type Harness,
} from '../reliability/harness';

const PROBE_ALARM = probeAlarmName('cache-outage-workflow', CACHE_ID);
const SECRET_ACCESS_KEY = randomBytes(30).toString('base64');
const SESSION_TOKEN = `IQoJb3JpZ2luX2VjE${randomBytes(96).toString('base64')}`;

let h: Harness | undefined;

afterAll(async () => {
  await h?.stop();
  expect(childProcesses()).toEqual([]);
});

/** The secret itself and a long prefix of it (a truncated secret is still a leak). */
function needles(label: string, secret: string): { label: string; needle: string }[] {
  return [
    { label, needle: secret },
    ...(secret.length > 32 ? [{ label: `${label} (prefix)`, needle: secret.slice(0, 24) }] : []),
  ];
}

it('no task token, AUTH token or credential appears in logs, notices, timelines or errors of a drill', async () => {
  const faults = new Faults();
  h = await startHarness({
    faults,
    environment: { AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN },
  });
  await breakCache(h);
  const stopApproving = autoApprove(h);

  // First incident: approved, then Cut Over is refused → failed and escalated.
  const refuse = faults.fail('ssm', 'PutParameter', denied('ssm', 'PutParameter'));
  expect(
    (
      await deliver(
        h,
        alarmDelivery('eventbridge', {
          alarmName: PROBE_ALARM,
          cacheId: CACHE_ID,
          state: 'ALARM',
          at: new Date(Date.now() - 2000),
        }),
      )
    ).ok,
  ).toBe(true);
  const first = await settle(h, executions(h)[0]!.executionArn);
  refuse();
  expect(first.status).toBe('FAILED');
  // The stopped execution is escalated from its status event, asynchronously; then the next ALARM opens a new incident.
  await waitFor('the first incident marked failed', 60_000, async () =>
    (await incidents(h!))[0]?.status === 'FAILED' ? true : undefined,
  );

  // Second incident: approved and resolved.
  expect(
    (
      await deliver(
        h,
        alarmDelivery('sns', { alarmName: PROBE_ALARM, cacheId: CACHE_ID, state: 'ALARM', at: new Date() }),
      )
    ).ok,
  ).toBe(true);
  const second = await settle(h, executions(h)[1]!.executionArn);
  await stopApproving();
  await h.stack.sns.idle();
  expect(second.status).toBe('SUCCEEDED');

  const tokens = h.stack.sfn.issuedTaskTokens();
  expect(tokens.length).toBeGreaterThanOrEqual(2);
  const secrets = [
    ...tokens.flatMap((t, i) => needles(`task token #${i + 1}`, t)),
    ...needles('AUTH token', h.authToken),
    ...needles('AWS secret access key', SECRET_ACCESS_KEY),
    ...needles('AWS session token', SESSION_TOKEN),
  ];

  const haystacks: { where: string; text: string }[] = [
    ...h.logs.map((l) => ({ where: `log of ${l.fn}`, text: l.line })),
    ...h.stack.sns
      .published()
      .map((m) => ({ where: `SNS message on ${m.topicArn.split(':').pop() ?? ''}`, text: JSON.stringify(m) })),
    ...h.errors.map((e) => ({ where: 'error', text: e })),
    ...executions(h).map((e) => ({
      where: `execution ${e.name}`,
      text: JSON.stringify({ error: e.error, cause: e.cause, output: e.output }),
    })),
  ];
  for (const incident of await incidents(h)) {
    haystacks.push({ where: `incident ${incident.incidentId}`, text: JSON.stringify(incident) });
    for (const e of await timeline(h, incident.incidentId))
      haystacks.push({ where: `timeline of ${incident.incidentId}`, text: JSON.stringify(e) });
  }
  const leaks = haystacks.flatMap((hay) =>
    secrets.filter((s) => hay.text.includes(s.needle)).map((s) => `${s.label} in ${hay.where}`),
  );

  figure('secrets.task_tokens_issued', tokens.length);
  figure('secrets.texts_scanned', haystacks.length);
  figure('secrets.log_lines_scanned', h.logs.length);
  figure('secrets.leaks', leaks.length);
  expect(h.logs.length).toBeGreaterThan(20);
  expect(
    h.stack.sns
      .published(h.stack.description.topics.operators)
      .some((m) => m.messageAttributes.kind?.Value === 'approval-request'),
  ).toBe(true);
  expect(
    h.stack.sns
      .published(h.stack.description.topics.operators)
      .some((m) => m.messageAttributes.kind?.Value === 'escalation'),
  ).toBe(true);
  expect([...new Set(leaks)]).toEqual([]);
});
