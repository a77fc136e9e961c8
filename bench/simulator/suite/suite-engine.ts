/**
 * The engine as the suite plays it, in-process: the same pure core functions the workers run
 * (composeSession, applySessionResults), on in-memory state instead of Postgres.
 */
import { applySessionResults, type QuestionMeta, type SessionAnswer } from '../../../core/feedback/apply-session-results.js';
import { createLearnerState, type ItemState, type LearnerState } from '../../../core/learner/learner-state.js';
import type { ReviewState } from '../../../core/scheduling/review-state.js';
import { composeSession } from '../../../core/session/compose-session.js';
import type { SessionCandidate } from '../../../core/session/session-candidate.js';
import type { PolicyPort } from './run-suite.js';
import type { TruthItem, TruthLearner, World } from './truth-world.js';

export class SuiteEngine implements PolicyPort {
  private readonly learners = new Map<string, LearnerState>();
  private readonly items = new Map<string, ItemState>();
  private readonly reviews = new Map<string, Map<string, ReviewState>>();
  private readonly meta: Record<string, QuestionMeta> = {};
  private readonly pending = new Map<string, SessionAnswer[]>();

  constructor(world: World) {
    for (const q of world.items) {
      this.meta[q.questionId] = { categoryId: q.categoryId, type: q.type, optionsCount: q.optionsCount, statedDifficulty: q.statedDifficulty };
    }
  }

  private reviewsOf(userId: string): Map<string, ReviewState> {
    let map = this.reviews.get(userId);
    if (!map) this.reviews.set(userId, (map = new Map()));
    return map;
  }

  async start(learner: TruthLearner, sessionId: string, now: number, available: readonly TruthItem[]) {
    const userId = learner.spec.userId;
    const reviews = this.reviewsOf(userId);
    const candidates: SessionCandidate[] = available.map((q) => ({
      questionId: q.questionId,
      categoryId: q.categoryId,
      type: q.type,
      optionsCount: q.optionsCount,
      statedDifficulty: q.statedDifficulty,
      validationPassed: q.validationPassed,
      item: this.items.get(q.questionId) ?? null,
      review: reviews.get(q.questionId) ?? null,
    }));
    const { questions } = composeSession({
      learner: this.learners.get(userId) ?? createLearnerState(userId),
      candidates,
      now,
      size: 10,
      seed: sessionId,
      ...(learner.spec.preferredTypes.length > 0 ? { preferences: { questionTypes: learner.spec.preferredTypes } } : {}),
    });
    this.pending.set(sessionId, []);
    return questions.map((q) => ({ questionId: q.questionId, predictedSuccess: q.predictedSuccess }));
  }

  async answer(learner: TruthLearner, sessionId: string, a: SessionAnswer & { answeredAt: number }, remaining: Array<{ questionId: string; predictedSuccess?: number }>) {
    const answers = this.pending.get(sessionId) as SessionAnswer[];
    answers.push(a);
    if (remaining.length > 0) return remaining;
    const userId = learner.spec.userId;
    const reviews = this.reviewsOf(userId);
    const items: Record<string, ItemState> = {};
    const current: Record<string, ReviewState> = {};
    for (const x of answers) {
      const item = this.items.get(x.questionId);
      if (item) items[x.questionId] = item;
      const review = reviews.get(x.questionId);
      if (review) current[x.questionId] = review;
    }
    const out = applySessionResults({
      learner: this.learners.get(userId) ?? createLearnerState(userId),
      items,
      reviews: current,
      questions: this.meta,
      answers,
      now: a.answeredAt,
    });
    this.learners.set(userId, out.learner);
    for (const [id, item] of Object.entries(out.items)) this.items.set(id, item);
    for (const [id, review] of Object.entries(out.reviews)) reviews.set(id, review);
    this.pending.delete(sessionId);
    return [];
  }
}
