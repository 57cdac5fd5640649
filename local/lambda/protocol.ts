import type { FunctionError } from './types';

/** Parent → worker. Payloads travel as JSON text so the handler sees exactly what Lambda would deserialize. */
export interface InvokeMessage {
  type: 'invoke';
  requestId: string;
  eventJson: string;
  invokedFunctionArn: string;
  deadlineMs: number;
}

/** Worker → parent. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; error: FunctionError }
  | { type: 'result'; requestId: string; payloadJson: string }
  | { type: 'error'; requestId: string; error: FunctionError };

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export function isInvokeMessage(value: unknown): value is InvokeMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'invoke';
}

/** Shapes an error the way the Node.js Lambda runtime reports it. */
export function toFunctionError(error: unknown): FunctionError {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: typeof error === 'string' ? 'string' : 'Error', errorMessage: String(error), trace: [] };
}
