import type { Producer } from '../../pipelines/producer.js';
import { queueNames } from '../../pipelines/registry.js';

/** Jobs in every queue, in every state: a refused request must not change it. */
export async function totalJobs(producer: Producer): Promise<number> {
  let total = 0;
  for (const name of queueNames) {
    const counts = await producer.queue(name).getJobCounts();
    total += Object.values(counts).reduce((a, b) => a + b, 0);
  }
  return total;
}
