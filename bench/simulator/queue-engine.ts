/**
 * The simulator's engine port backed by the real system: every session is a
 * `session-generation/generate` job and every hand-in a `feedback-loop/results` job on real
 * BullMQ queues, processed by the real workers against real PostgreSQL. The simulated clock is
 * the system's injected clock (startSystem `now`), set before each job; the runner calls the port
 * one job at a time, so the clock is never shared by two jobs in flight.
 */
import { QueueEvents } from 'bullmq';
import { sql } from 'kysely';
import type { System } from '../../app/system.js';
import { storeSimulatedBank } from './store-bank.js';
import type { AdaptiveEnginePort, GenerateRequest, GeneratedSession, ResultsRequest } from './engine-port.js';
import type { SimQuestion } from './sim-world.js';

export interface SimClock {
  value: number;
}

export class QueueEngine implements AdaptiveEnginePort {
  private readonly sessions = new Map<string, string>();
  private ready?: Promise<void>;
  private events?: { generate: QueueEvents; results: QueueEvents };

  constructor(
    private readonly system: System,
    private readonly clock: SimClock,
    private readonly bank: readonly SimQuestion[],
  ) {}

  /** Stores the bank as validated questions (failed-validation ones marked failed), once. */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      await storeSimulatedBank(this.system.services.db, this.bank);
      const connection = this.system.services.redis;
      const prefix = this.system.services.config.QUEUE_PREFIX;
      this.events = {
        generate: new QueueEvents('session-generation', { connection, prefix }),
        results: new QueueEvents('feedback-loop', { connection, prefix }),
      };
      await Promise.all([this.events.generate.waitUntilReady(), this.events.results.waitUntilReady()]);
    })();
    return this.ready;
  }

  async generateSession(request: GenerateRequest): Promise<GeneratedSession> {
    await this.init();
    this.clock.value = request.now;
    const producer = this.system.services.producer;
    const jobId = await producer.send('session-generation', 'generate', {
      userId: request.userId,
      size: request.size,
      ...(request.preferences?.questionTypes ? { preferences: { questionTypes: request.preferences.questionTypes } } : {}),
    });
    const job = await producer.queue('session-generation').getJob(jobId);
    const result = (await job!.waitUntilFinished(this.events!.generate, 60_000)) as GeneratedSession;
    this.sessions.set(request.sessionId, result.sessionId);
    return result;
  }

  async submitResults(request: ResultsRequest): Promise<void> {
    await this.init();
    this.clock.value = request.now;
    const producer = this.system.services.producer;
    const sessionId = this.sessions.get(request.sessionId);
    if (!sessionId) throw new Error(`results for a session this port did not generate: ${request.sessionId}`);
    const jobId = await producer.send('feedback-loop', 'results', {
      sessionId,
      userId: request.userId,
      answers: request.answers.map((a) => ({
        questionId: a.questionId,
        correct: a.correct,
        ...(a.responseMs != null ? { responseMs: Math.round(a.responseMs) } : {}),
        ...(a.answeredAt != null ? { answeredAt: new Date(a.answeredAt).toISOString() } : {}),
      })),
    });
    const job = await producer.queue('feedback-loop').getJob(jobId);
    await job!.waitUntilFinished(this.events!.results, 60_000);
  }

  async reviewsFallenDue(userId: string, after: number, upTo: number): Promise<string[]> {
    const rows = await sql<{ question_id: string }>`
      SELECT question_id FROM review_states
      WHERE user_id = ${userId} AND last_reviewed_at IS NOT NULL
        AND due_at > ${new Date(after)} AND due_at <= ${new Date(upTo)}
    `.execute(this.system.services.db);
    return rows.rows.map((r) => r.question_id);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events?.generate.close(), this.events?.results.close()]);
  }
}
