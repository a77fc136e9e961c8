/**
 * The suite's engine port backed by the real system: sessions are `session-generation/generate`
 * jobs, every answer a `feedback-loop/results` job with `replan` (what POST
 * /api/sessions/:sessionId/answers enqueues), and the scheduled recalibration a
 * `feedback-loop/recalibrate` job, all on real BullMQ queues processed by the real workers against
 * real PostgreSQL. The simulated clock is the system's injected clock, set before each job; the
 * runner calls the port one job at a time.
 */
import { appendFileSync } from 'node:fs';
import { QueueEvents } from 'bullmq';
import type { System } from '../../../app/system.js';
import { jobIds } from '../../../core/contracts/ids.js';
import type { FeedbackResultsResult, GenerateSessionResult } from '../../../core/contracts/session-contracts.js';
import { storeSimulatedBank } from '../store-bank.js';
import type { PolicyPort } from './run-suite.js';
import type { TruthItem, TruthLearner } from './truth-world.js';

const HOUR = 3_600_000;

export class QueueSuiteEngine implements PolicyPort {
  private readonly stored = new Set<string>();
  private readonly sessions = new Map<string, { id: string; answered: number }>();
  private events?: { generate: QueueEvents; feedback: QueueEvents };
  private nextRecalibration = -Infinity;

  /**
   * `log`: a file that gets one JSON line per job (what it was asked, what it answered), so two
   * runs can be compared job by job (`diff`). `salt`: appended to the session ids, which seed the
   * composer: another salt, another draw of the same world (the spread between runs, reproducibly).
   */
  constructor(
    private readonly system: System,
    private readonly clock: { value: number },
    private readonly options: { log?: string; salt?: string } = {},
  ) {}

  private record(line: Record<string, unknown>): void {
    if (this.options.log) appendFileSync(this.options.log, `${JSON.stringify(line)}\n`);
  }

  private async ready(): Promise<{ generate: QueueEvents; feedback: QueueEvents }> {
    if (!this.events) {
      const connection = this.system.services.redis;
      const prefix = this.system.services.config.QUEUE_PREFIX;
      this.events = {
        generate: new QueueEvents('session-generation', { connection, prefix }),
        feedback: new QueueEvents('feedback-loop', { connection, prefix }),
      };
      await Promise.all([this.events.generate.waitUntilReady(), this.events.feedback.waitUntilReady()]);
    }
    return this.events;
  }

  /** Questions that arrived since the last call are stored as validated questions. */
  private async store(available: readonly TruthItem[]): Promise<void> {
    const fresh = available.filter((q) => !this.stored.has(q.questionId));
    if (fresh.length === 0) return;
    await storeSimulatedBank(this.system.services.db, fresh);
    for (const q of fresh) this.stored.add(q.questionId);
  }

  async tick(now: number): Promise<void> {
    if (now < this.nextRecalibration) return;
    this.nextRecalibration = now + HOUR;
    if (this.stored.size === 0) return;
    const events = await this.ready();
    this.clock.value = now;
    const producer = this.system.services.producer;
    const jobId = await producer.send('feedback-loop', 'recalibrate', {});
    const result: unknown = await (await producer.queue('feedback-loop').getJob(jobId))!.waitUntilFinished(events.feedback, 60_000);
    this.record({ job: 'recalibrate', now, result });
  }

  async start(learner: TruthLearner, sessionId: string, now: number, available: readonly TruthItem[]) {
    const events = await this.ready();
    await this.store(available);
    this.clock.value = now;
    const producer = this.system.services.producer;
    // The session id is fixed in the payload, as the ingress does (POST /api/sessions): without
    // it the processor derives one from the job's enqueue time (legacyDerivedId), the wall clock,
    // and the id seeds the composer, so no two runs would ask the same questions.
    const payload = {
      sessionId: this.options.salt ? `${sessionId}-${this.options.salt}` : sessionId,
      userId: learner.spec.userId,
      size: 10,
      ...(learner.spec.preferredTypes.length > 0 ? { preferences: { questionTypes: learner.spec.preferredTypes } } : {}),
    };
    const jobId = await producer.send('session-generation', 'generate', payload, { jobId: jobIds.generate(payload.userId, payload.sessionId) });
    const result = (await (await producer.queue('session-generation').getJob(jobId))!.waitUntilFinished(events.generate, 60_000)) as GenerateSessionResult;
    this.sessions.set(sessionId, { id: result.sessionId, answered: 0 });
    this.record({ job: 'generate', sessionId, now, questions: result.questions.map((q) => [q.questionId, q.predictedSuccess]) });
    return result.questions.map((q) => ({ questionId: q.questionId, predictedSuccess: q.predictedSuccess }));
  }

  async answer(learner: TruthLearner, sessionId: string, a: { questionId: string; correct: boolean; responseMs: number; answeredAt: number }) {
    const events = await this.ready();
    const session = this.sessions.get(sessionId)!;
    this.clock.value = a.answeredAt;
    const producer = this.system.services.producer;
    session.answered += 1;
    const jobId = await producer.send(
      'feedback-loop',
      'results',
      {
        sessionId: session.id,
        userId: learner.spec.userId,
        answers: [{ questionId: a.questionId, correct: a.correct, responseMs: Math.round(a.responseMs), answeredAt: new Date(a.answeredAt).toISOString() }],
        replan: true,
      },
      { jobId: `answers-${session.id}-${session.answered}` },
    );
    const result = (await (await producer.queue('feedback-loop').getJob(jobId))!.waitUntilFinished(events.feedback, 60_000)) as FeedbackResultsResult;
    this.record({
      job: 'results',
      sessionId,
      answer: [a.questionId, a.correct],
      skill: result.skill,
      firedRules: result.firedRules,
      remaining: (result.remaining ?? []).map((q) => [q.questionId, q.predictedSuccess]),
    });
    return (result.remaining ?? []).map((q) => ({ questionId: q.questionId, predictedSuccess: q.predictedSuccess }));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events?.generate.close(), this.events?.feedback.close()]);
  }
}
