/** A local service that speaks one AWS wire protocol on 127.0.0.1. */
export interface LocalService {
  /** Base URL, e.g. http://127.0.0.1:45678 */
  readonly endpoint: string;
  /** Stops the service and every process it started. Idempotent. */
  stop(): Promise<void>;
}

/** Fake credentials and region used by every local client and by the AWS CLI. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
