/**
 * One table of labels: every value the workflow records has words a person
 * reads in the console, the CLI and the messages to operators, and none of
 * those words is an enum name.
 */
import fc from 'fast-check';
import { INCIDENT_STATUSES, NOTICE_STAGES, RECOVERY_PLANS } from '../../functions/domain/incident';
import {
  APPROVAL_STATUS_LABELS,
  EXECUTION_STATUS_LABELS,
  FACT_LABELS,
  humanize,
  label,
  PLAN_LABELS,
  planName,
  STAGE_LABELS,
  STATUS_LABELS,
  TIMELINE_LABELS,
} from '../../functions/domain/labels';

const ENUM_NAME = /\b[A-Z]{2,}(_[A-Z]+)+\b/;

describe('labels', () => {
  it('names every plan, stage and status the workflow records', () => {
    expect(Object.keys(PLAN_LABELS).sort()).toEqual([...RECOVERY_PLANS].sort());
    expect(Object.keys(STAGE_LABELS).sort()).toEqual([...NOTICE_STAGES].sort());
    expect(Object.keys(STATUS_LABELS).sort()).toEqual([...INCIDENT_STATUSES].sort());
    expect(planName('PROVISION_FROM_BACKUP')).toBe('Restore from backup');
    expect(label(STAGE_LABELS, 'PARTIALLY_RESTORED')).toBe('Partially restored');
    expect(label(EXECUTION_STATUS_LABELS, 'SUCCEEDED')).toBe('Finished');
  });

  it('has no enum name, no underscore and no empty text in any label', () => {
    const texts = [
      ...Object.values(PLAN_LABELS).flatMap((p) => [p.name, p.action, p.onApprove]),
      ...Object.values(STAGE_LABELS),
      ...Object.values(STATUS_LABELS),
      ...Object.values(APPROVAL_STATUS_LABELS),
      ...Object.values(TIMELINE_LABELS),
      ...Object.values(EXECUTION_STATUS_LABELS),
      ...Object.values(FACT_LABELS),
    ];
    for (const text of texts) {
      expect(text).not.toMatch(ENUM_NAME);
      expect(text).not.toContain('_');
      expect(text.trim()).not.toBe('');
    }
  });

  it('turns a value it has no label for into words rather than showing the enum', () => {
    expect(label(TIMELINE_LABELS, 'SOMETHING_NEW_HAPPENED')).toBe('Something new happened');
    expect(label(FACT_LABELS, 'nodeMemoryBytes')).toBe('Node memory bytes');
    expect(humanize('recovery-plan')).toBe('Recovery plan');
    expect(label(STATUS_LABELS, undefined)).toBe('–');
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z]{2,8}(_[A-Z]{2,8}){1,3}$/), (value) => {
        expect(label({}, value)).not.toMatch(ENUM_NAME);
      }),
    );
  });
});
