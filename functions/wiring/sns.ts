/** The SNS notifier (status and operators' topics). */
import { config } from '../config';
import { SnsNotifier } from '../adapters/sns-notifier';
import type { Notifier } from '../ports';

let instance: Notifier | undefined;
export function notifier(): Notifier {
  return (instance ??= new SnsNotifier({
    statusTopicArn: config.statusTopicArn,
    operatorsTopicArn: config.operatorsTopicArn,
    region: config.region,
  }));
}
