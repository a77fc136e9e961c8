import { FlowProducer, type JobsOptions, Queue } from 'bullmq';
import type { RedisClient } from './redis-connection.js';
import { z } from 'zod';
import { type JobName, type PayloadOf, type QueueName, jobDefinition, queueNames } from './registry.js';

/** A payload that does not match its job's schema; never retried, never queued. */
export class InvalidPayloadError extends Error {
  constructor(
    readonly queue: string,
    readonly job: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(`invalid payload for ${queue}/${job}: ${z.prettifyError(new z.ZodError(issues))}`);
    this.name = 'InvalidPayloadError';
  }
}

declare const checkedPayload: unique symbol;

/**
 * A payload that passed its job's schema, made only by `Producer.check`: the route that parsed a
 * request body hands it to `sendChecked`, so the schema runs once per request, not twice. The brand
 * cannot be forged without a cast, and the queue and job travel with the data, so a payload checked
 * for one job cannot be sent as another.
 */
export interface Checked<Q extends QueueName, J extends JobName<Q>> {
  readonly [checkedPayload]: true;
  readonly queue: Q;
  readonly job: J;
  readonly data: PayloadOf<Q, J>;
}

export type CheckResult<Q extends QueueName, J extends JobName<Q>> =
  | { success: true; payload: Checked<Q, J> }
  | { success: false; issues: z.core.$ZodIssue[] };

export interface SendOptions {
  /** Deterministic id: a second send with the same id is a no-op (BullMQ keeps the first job). */
  jobId?: string;
  delay?: number;
  priority?: number;
}

/**
 * The typed producer client: the one way code in this repository puts a job on a queue. It checks
 * the payload against the registry before anything reaches Redis and applies the job's default
 * options from the registry.
 */
export class Producer {
  private readonly queues = new Map<QueueName, Queue>();
  private flowProducer?: FlowProducer;

  constructor(
    private readonly connection: RedisClient,
    readonly prefix: string,
  ) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      queue.on('error', () => {}); // connection errors surface on the calls themselves
      // Job.waitUntilFinished adds a 'closing' listener per waiting request (removed when it ends):
      // dozens of concurrent `?wait` requests are normal load, not a leak worth a warning line.
      queue.setMaxListeners(0);
      this.queues.set(name, queue);
    }
    return queue;
  }

  allQueues(): Queue[] {
    return queueNames.map((name) => this.queue(name));
  }

  flows(): FlowProducer {
    this.flowProducer ??= new FlowProducer({ connection: this.connection, prefix: this.prefix });
    return this.flowProducer;
  }

  /** Validates and enqueues; resolves to the job id. */
  async send<Q extends QueueName, J extends JobName<Q>>(
    queue: Q,
    job: J,
    payload: PayloadOf<Q, J>,
    options: SendOptions = {},
  ): Promise<string> {
    const { data, jobOptions } = this.prepare(queue, job, payload, options);
    const added = await ridingSlotMoves(() => this.queue(queue).add(job, data, jobOptions));
    return added.id!;
  }

  /** Checks a payload against its job's schema once; send the result with `sendChecked`. */
  check<Q extends QueueName, J extends JobName<Q>>(queue: Q, job: J, payload: unknown): CheckResult<Q, J> {
    const parsed = jobDefinition(queue, job).payload.safeParse(payload);
    if (!parsed.success) return { success: false, issues: parsed.error.issues };
    return { success: true, payload: { queue, job, data: parsed.data } as unknown as Checked<Q, J> };
  }

  /** Enqueues a payload `check` accepted, without parsing it again; resolves to the job id. */
  async sendChecked<Q extends QueueName, J extends JobName<Q>>(payload: Checked<Q, J>, options: SendOptions = {}): Promise<string> {
    const added = await ridingSlotMoves(() => this.queue(payload.queue).add(payload.job, payload.data, this.jobOptions(payload.queue, payload.job, options)));
    return added.id!;
  }

  /** Validates every payload first, then enqueues them all in one round trip. */
  async sendMany<Q extends QueueName, J extends JobName<Q>>(
    queue: Q,
    job: J,
    items: { payload: PayloadOf<Q, J>; options?: SendOptions }[],
  ): Promise<string[]> {
    const prepared = items.map((item) => this.prepare(queue, job, item.payload, item.options ?? {}));
    const added = await this.queue(queue).addBulk(
      prepared.map(({ data, jobOptions }) => ({ name: job, data, opts: jobOptions })),
    );
    return added.map((j) => j.id!);
  }

  /** Payload checked and defaults applied; used by flows whose children are built elsewhere. */
  prepare(queue: QueueName, job: string, payload: unknown, options: SendOptions = {}) {
    const parsed = jobDefinition(queue, job).payload.safeParse(payload);
    if (!parsed.success) throw new InvalidPayloadError(queue, job, parsed.error.issues);
    return { data: parsed.data as Record<string, unknown>, jobOptions: this.jobOptions(queue, job, options) };
  }

  /** The job's registry defaults with the send's own id, delay and priority. */
  private jobOptions(queue: QueueName, job: string, options: SendOptions): JobsOptions {
    const jobOptions: JobsOptions = { ...jobDefinition(queue, job).options };
    if (options.jobId !== undefined) jobOptions.jobId = options.jobId;
    if (options.delay !== undefined) jobOptions.delay = options.delay;
    if (options.priority !== undefined) jobOptions.priority = options.priority;
    return jobOptions;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...[...this.queues.values()].map((q) => q.close()), this.flowProducer?.close()]);
    this.queues.clear();
  }
}

/**
 * Redis Cluster: an add that ran out of redirections while its slot migrated (MOVED/ASK ping-pong
 * while SETSLOT reaches the nodes one by one, or TRYAGAIN while the slot's keys are split) is tried
 * again for up to 10 s rather than answered 503. Safe to repeat: a command refused with a
 * redirection never ran, so nothing was added. One add only: addBulk's pipeline may have added some
 * jobs before failing, so it is not repeated here.
 */
async function ridingSlotMoves<T>(add: () => Promise<T>, budgetMs = 10_000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    try {
      return await add();
    } catch (error) {
      const message = (error as Error)?.message ?? '';
      if (!/Too many Cluster redirections|^TRYAGAIN/.test(message) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
