/**
 * What "Confirm Outage" saw before any customer notice: the step's output,
 * kept on the incident and its timeline for the operators.
 */

/** One PING of the confirmation window. */
export interface ConfirmationPing {
  at: string;
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/** What "Confirm Outage" saw: kept on the incident and its timeline for the operators. */
export interface ConfirmationFacts {
  confirmed: boolean;
  /** The endpoint PINGed, as `host:port (TLS)`. */
  endpoint: string;
  /** Where the endpoint came from: the endpoint record clients read, or the configured endpoint when the record is empty. */
  through: string;
  /** Where the check ran from. */
  from: string;
  auth: boolean;
  windowSeconds: number;
  pings: ConfirmationPing[];
  /** The failure that confirmed the outage. */
  error?: string;
  at: string;
  /** When the alarm that opened the incident changed state. */
  alarmAt?: string;
  /** The alarm's state change → this decision, in seconds. */
  alarmToDecisionSeconds?: number;
}
