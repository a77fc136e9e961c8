import type { WorkerServices } from './processor.js';

/**
 * One instance per WorkerServices — per process in production, per system in a test process that
 * runs several — for the actors' shared state (the trace writer, the validation batcher): built on
 * first use, so a process that never runs the job never builds it.
 */
export function onePerServices<T>(make: (services: WorkerServices) => T): (services: WorkerServices) => T {
  const instances = new WeakMap<WorkerServices, T>();
  return (services) => {
    let instance = instances.get(services);
    if (instance === undefined) {
      instance = make(services);
      instances.set(services, instance);
    }
    return instance;
  };
}

/** SQLSTATE class 22 (data exception): the row itself is bad; retrying cannot help. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/** A row Postgres refused for itself; stands in the row's place in writeIsolatingRefused's answer. */
export class RefusedRow {
  constructor(readonly error: Error) {}
}

/**
 * THE poison-row guard of the batching writers (decision traces, validations, import chunks).
 * Writes `items` in one call; should Postgres refuse the batch for a row's own fault (`refused`,
 * default a data exception), writes each item alone, so only the refused ones fail — a RefusedRow
 * in their place — and their neighbours are stored. Any other error (connection, timeout) is
 * thrown: the callers' jobs retry. `write` answers one result per item, in order.
 */
export async function writeIsolatingRefused<T, R>(
  items: readonly T[],
  write: (part: readonly T[]) => Promise<readonly R[]>,
  options: { refused?: (error: unknown) => boolean; onSplit?: (error: Error) => void } = {},
): Promise<Array<R | RefusedRow>> {
  const refused = options.refused ?? isDataError;
  try {
    return [...(await write(items))];
  } catch (error) {
    if (!refused(error)) throw error;
    if (items.length === 1) return [new RefusedRow(error as Error)];
    options.onSplit?.(error as Error);
    const out: Array<R | RefusedRow> = [];
    for (const item of items) {
      try {
        out.push(...(await write([item])));
      } catch (single) {
        if (!refused(single)) throw single;
        out.push(new RefusedRow(single as Error));
      }
    }
    return out;
  }
}
