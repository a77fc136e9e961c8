import { UnrecoverableError } from 'bullmq';

/**
 * Errors cannot cross a worker-thread boundary with their class intact (structured cloning keeps
 * only message and a few fields), so the thread sends this plain shape and the pool rebuilds it.
 */
export interface ErrorData {
  name: string;
  message: string;
  /** A question the scorer cannot handle: retrying will not help. */
  permanent: boolean;
}

export function toErrorData(error: unknown): ErrorData {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, permanent: e.name === 'ZodError' || e.name === 'TypeError' || e.name === 'RangeError' };
}

export function fromErrorData(data: ErrorData): Error {
  const error = data.permanent ? new UnrecoverableError(data.message) : new Error(data.message);
  if (!data.permanent) error.name = data.name;
  return error;
}

export type ThreadOutcome<T> = { ok: true; value: T } | { ok: false; error: ErrorData };
