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
