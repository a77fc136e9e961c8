import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Logger } from '../../observability/logger.js';
import { recordAudit } from '../../db/queries/audit-log.js';
import { type JobName, type QueueName, jobDefinition } from '../../pipelines/registry.js';
import { processors } from '../../workers/processors/index.js';
import type { ProcessorContext, WorkerServices } from '../../workers/runtime/processor.js';
import type { OperatorConnection } from './operator-connection.js';

/** Who ran a command, as the audit log names it. */
export const cliActor = () => `cli:${userInfo().username}`;

/**
 * Runs one maintenance processor in this process, now, with the same code a worker runs for the
 * scheduled job — so `learnloop sweep` does exactly what the 02:15 sweep does, but also when no
 * worker is up (which is when an operator tends to need it). Every processor is idempotent, so a
 * run that overlaps the scheduled one changes nothing twice.
 */
export async function runProcessorNow<Q extends QueueName>(
  conn: OperatorConnection,
  logger: Logger,
  queue: Q,
  job: JobName<Q>,
  payload: unknown,
): Promise<unknown> {
  const entry = processors.find((p) => p.queue === queue && p.job === job);
  if (!entry) throw new Error(`no processor for ${queue}/${job}`);
  const services: WorkerServices = {
    config: conn.config,
    db: conn.db,
    producer: conn.producer,
    redis: conn.redis,
    cache: conn.cache,
    get bloom(): never {
      throw new Error('maintenance commands do not score questions');
    },
    now: () => new Date(),
  };
  const id = `cli-${job}-${randomUUID()}`;
  const ctx: ProcessorContext = {
    log: logger.child({ jobId: id, queue, job }),
    db: conn.db,
    producer: conn.producer,
    signal: new AbortController().signal,
    job: { id, queue, name: job, attempt: 1, enqueuedAt: new Date() },
    reportProgress: async () => {},
    childOutcomes: async () => ({ values: [], failures: [] }),
    services,
  };
  // The payload passes the same schema a queued job's does (bad --date is refused here, not in SQL).
  const result = await entry.process(jobDefinition(queue, job).payload.parse(payload), ctx);
  await recordAudit(conn.db, { actor: cliActor(), action: `cli.${queue}.${job}`, target: id, details: { payload: payload as Record<string, unknown> } });
  return result;
}
