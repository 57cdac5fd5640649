import { ValidationError } from '../../functions/domain/errors';
import { MAX_REASON_CHARS, operatorReason } from '../../functions/domain/operator-reason';

describe('operatorReason', () => {
  const who = (value: string) => ({ field: 'decidedBy', value });

  it('trims who and why', () => {
    expect(operatorReason('decision', who('  ana@example.com '), '  backup checked \n')).toEqual({
      by: 'ana@example.com',
      reason: 'backup checked',
    });
  });

  it.each([
    ['no reason', who('ana'), '   ', ['reason']],
    ['a reason too long', who('ana'), 'x'.repeat(MAX_REASON_CHARS + 1), ['reason']],
    ['no operator', who(' '), 'ok', ['decidedBy']],
    ['neither', who(''), '', ['reason', 'decidedBy']],
  ])('refuses %s, naming each field', (_what, operator, reason, paths) => {
    let error: unknown;
    try {
      operatorReason('decision', operator, reason);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(paths);
  });

  it('accepts a reason of exactly the maximum length', () => {
    expect(operatorReason('decision', who('ana'), 'x'.repeat(MAX_REASON_CHARS)).reason).toHaveLength(MAX_REASON_CHARS);
  });
});
