/**
 * The engine as the suite plays it, in-process: the same pure core functions the workers run
 * (composeSession, applySessionResults, the level-mapping recalibration), on in-memory state
 * instead of Postgres. Answers are handed in one at a time and the rest of the session is
 * re-planned after each (POST /api/sessions/:sessionId/answers); `mode: 'whole'` plays the old way
 * (the whole session composed up front, answers applied at the end) for comparison.
 */
import { resolveAdaptiveConfig, type AdaptiveConfigOverrides } from '../../../core/adaptive-config.js';
import { applySessionResults, type QuestionMeta, type SessionAnswer } from '../../../core/feedback/apply-session-results.js';
import { DEFAULT_MAPPING, priorShift, recalibrateCategory, type DifficultyMapping } from '../../../core/learner/difficulty-calibration.js';
import { createItemState, createLearnerState, type ItemState, type LearnerState } from '../../../core/learner/learner-state.js';
import type { ReviewState } from '../../../core/scheduling/review-state.js';
import { composeSession } from '../../../core/session/compose-session.js';
import type { SessionCandidate } from '../../../core/session/session-candidate.js';
import type { PolicyPort } from './run-suite.js';
import type { TruthItem, TruthLearner, World } from './truth-world.js';

const HOUR = 3_600_000;

export interface SuiteEngineOptions {
  mode?: 'per-answer' | 'whole';
  config?: AdaptiveConfigOverrides;
  /** How often the scheduled recalibration runs (simulated ms); 0 = never. */
  recalibrateEveryMs?: number;
}

export class SuiteEngine implements PolicyPort {
  private readonly learners = new Map<string, LearnerState>();
  private readonly items = new Map<string, ItemState>();
  private readonly reviews = new Map<string, Map<string, ReviewState>>();
  private readonly meta: Record<string, QuestionMeta> = {};
  private readonly sessions = new Map<string, { answers: SessionAnswer[]; size: number }>();
  private readonly mappings = new Map<string, DifficultyMapping>();
  private readonly byCategory = new Map<string, string[]>();
  private nextRecalibration = -Infinity;
  private answersSinceRecalibration = 0;
  private readonly mode: 'per-answer' | 'whole';
  private readonly every: number;

  constructor(
    world: World,
    private readonly options: SuiteEngineOptions = {},
  ) {
    this.mode = options.mode ?? 'per-answer';
    this.every = options.recalibrateEveryMs ?? HOUR;
    for (const q of world.items) {
      this.meta[q.questionId] = { categoryId: q.categoryId, type: q.type, optionsCount: q.optionsCount, statedDifficulty: q.statedDifficulty };
    }
  }

  private reviewsOf(userId: string): Map<string, ReviewState> {
    let map = this.reviews.get(userId);
    if (!map) this.reviews.set(userId, (map = new Map()));
    return map;
  }

  /** A question arriving in the bank is stored with its category's current mapping. */
  private itemFor(q: TruthItem): ItemState {
    let item = this.items.get(q.questionId);
    if (!item) {
      item = createItemState(q.questionId, q.statedDifficulty, this.mappings.get(q.categoryId) ?? DEFAULT_MAPPING);
      this.items.set(q.questionId, item);
      const list = this.byCategory.get(q.categoryId) ?? [];
      list.push(q.questionId);
      this.byCategory.set(q.categoryId, list);
    }
    return item;
  }

  async tick(now: number): Promise<void> {
    if (this.every <= 0 || now < this.nextRecalibration) return;
    this.nextRecalibration = now + this.every;
    if (this.answersSinceRecalibration === 0) return;
    this.answersSinceRecalibration = 0;
    const s = resolveAdaptiveConfig(this.options.config).calibration;
    for (const [categoryId, ids] of this.byCategory) {
      const current = this.mappings.get(categoryId) ?? DEFAULT_MAPPING;
      const rows = ids.map((id) => {
        const item = this.items.get(id) as ItemState;
        return { id, level: this.meta[id]?.statedDifficulty, difficulty: item.difficulty, info: item.info ?? 0 };
      });
      const { mapping } = recalibrateCategory(rows, current, s);
      for (const row of rows) {
        const shift = priorShift(row.level, row.info, current, mapping, s.u0);
        const item = this.items.get(row.id) as ItemState;
        this.items.set(row.id, { ...item, difficulty: item.difficulty + shift });
      }
      this.mappings.set(categoryId, mapping);
    }
  }

  private plan(learner: TruthLearner, sessionId: string, now: number, available: readonly TruthItem[]) {
    const userId = learner.spec.userId;
    const reviews = this.reviewsOf(userId);
    const session = this.sessions.get(sessionId) as { answers: SessionAnswer[]; size: number };
    const candidates: SessionCandidate[] = available.map((q) => ({
      questionId: q.questionId,
      categoryId: q.categoryId,
      type: q.type,
      optionsCount: q.optionsCount,
      statedDifficulty: q.statedDifficulty,
      validationPassed: q.validationPassed,
      item: this.itemFor(q),
      review: reviews.get(q.questionId) ?? null,
    }));
    const { questions } = composeSession({
      learner: this.learners.get(userId) ?? createLearnerState(userId),
      candidates,
      now,
      size: session.size,
      fromPosition: session.answers.length + 1,
      exclude: session.answers.map((a) => a.questionId),
      seed: `${sessionId}#${session.answers.length}`,
      ...(learner.spec.preferredTypes.length > 0 ? { preferences: { questionTypes: learner.spec.preferredTypes } } : {}),
      ...(this.options.config ? { config: this.options.config } : {}),
    });
    return questions.map((q) => ({ questionId: q.questionId, predictedSuccess: q.predictedSuccess }));
  }

  async start(learner: TruthLearner, sessionId: string, now: number, available: readonly TruthItem[]) {
    this.sessions.set(sessionId, { answers: [], size: 10 });
    return this.plan(learner, sessionId, now, available);
  }

  private apply(userId: string, answers: SessionAnswer[], now: number, continuing: boolean): void {
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
      now,
      continuing,
      ...(this.options.config ? { config: this.options.config } : {}),
    });
    this.learners.set(userId, out.learner);
    for (const [id, item] of Object.entries(out.items)) this.items.set(id, item);
    for (const [id, review] of Object.entries(out.reviews)) reviews.set(id, review);
    this.answersSinceRecalibration += answers.length;
  }

  async answer(
    learner: TruthLearner,
    sessionId: string,
    a: SessionAnswer & { answeredAt: number },
    remaining: Array<{ questionId: string; predictedSuccess?: number }>,
    available: readonly TruthItem[],
  ) {
    const session = this.sessions.get(sessionId) as { answers: SessionAnswer[]; size: number };
    session.answers.push(a);
    const userId = learner.spec.userId;
    if (this.mode === 'whole') {
      if (remaining.length > 0) return remaining;
      this.apply(userId, session.answers, a.answeredAt, false);
      this.sessions.delete(sessionId);
      return [];
    }
    this.apply(userId, [a], a.answeredAt, session.answers.length > 1);
    if (remaining.length === 0 || session.answers.length >= session.size) {
      this.sessions.delete(sessionId);
      return [];
    }
    return this.plan(learner, sessionId, a.answeredAt + 30_000, available);
  }
}
