/** The message part of a line written by the patched console: `time\trequestId\tLEVEL\tmessage`. */
const CONSOLE_PREFIX = /^\d{4}-\d{2}-\d{2}T[^\t]+\t[^\t]+\t[A-Z]+\t/;

/** Returns the CloudWatch embedded-metric-format document carried by a log line, if any. */
export function embeddedMetricOf(line: string): Record<string, unknown> | undefined {
  const text = line.replace(CONSOLE_PREFIX, '').trim();
  if (!text.startsWith('{') || !text.includes('CloudWatchMetrics')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const aws = (parsed as { _aws?: unknown })._aws;
    const hasMetrics = typeof aws === 'object' && aws !== null && 'CloudWatchMetrics' in aws;
    return hasMetrics ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
