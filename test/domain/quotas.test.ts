import { QuotaExceededError } from '../../functions/domain/errors';
import { ELASTICACHE_QUOTAS, quotaCodeOf, quotaExceeded, quotaRefusalOf } from '../../functions/domain/quotas';

describe('ElastiCache quotas', () => {
  it("knows each quota fault by AWS's code and by the SDK's exception name, and nothing else", () => {
    expect(quotaCodeOf('NodeQuotaForCustomerExceededFault')).toBe('NodeQuotaForCustomerExceeded');
    expect(quotaCodeOf('NodeQuotaForCustomerExceeded')).toBe('NodeQuotaForCustomerExceeded');
    expect(quotaCodeOf('InsufficientCacheClusterCapacityFault')).toBeUndefined();
    expect(quotaCodeOf('toString')).toBeUndefined();
  });

  it.each(Object.entries(ELASTICACHE_QUOTAS))(
    'carries %s, its quota and the nodes needed through the message alone',
    (code, { quota }) => {
      const error = quotaExceeded(code, 'sessions-r-1', 3, new Error('AWS words'));
      expect(error).toBeInstanceOf(QuotaExceededError);
      expect(error).toMatchObject({ name: 'QuotaExceededError', awsError: code, quota, nodesRequested: 3 });
      expect(error.message).toContain('ElastiCache said: AWS words');
      expect(quotaRefusalOf(error.message)).toEqual({ quota, awsError: code, nodesRequested: 3 });
    },
  );

  it('says "1 node" for a single node, and reads nothing from other messages', () => {
    const error = quotaExceeded('NodeQuotaForCustomerExceeded', 'r', 1);
    expect(error.message).toContain('this replacement needs 1 node).');
    expect(quotaRefusalOf(error.message)?.nodesRequested).toBe(1);
    expect(quotaRefusalOf('replication group r is restore-failed')).toBeUndefined();
  });
});
