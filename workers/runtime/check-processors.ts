import { type QueueName, registry } from '../../pipelines/registry.js';
import type { ProcessorEntry } from './processor.js';

/**
 * The start-up check: every job name of the queues this process runs has exactly one processor,
 * and no processor names a job the registry does not know. Throws listing every problem.
 */
export function checkProcessors(entries: ProcessorEntry[], queues: readonly QueueName[]): void {
  const problems: string[] = [];
  for (const queue of queues) {
    for (const job of Object.keys(registry[queue].jobs)) {
      const count = entries.filter((e) => e.queue === queue && e.job === job).length;
      if (count === 0) problems.push(`${queue}/${job} has no processor`);
      if (count > 1) problems.push(`${queue}/${job} has ${count} processors`);
    }
  }
  for (const e of entries) {
    if (!(e.job in (registry[e.queue]?.jobs ?? {}))) problems.push(`processor for unknown job ${e.queue}/${e.job}`);
  }
  if (problems.length) throw new Error(`processor table is inconsistent:\n  - ${problems.join('\n  - ')}`);
}
