/**
 * The seam between the simulator and the adaptive engine. The in-process implementation below
 * calls the pure core functions on in-memory state; a queue-backed implementation (enqueue
 * `session-generation/generate`, then `feedback-loop/results`, read review states from Postgres)
 * can replace it without touching the runner. The simulated clock is passed as `now`: a
 * queue-backed port must either honour it or run the simulation at wall-clock pace.
 */
import type { LearnerState, ItemState } from '../../core/learner/learner-state.js';
import { createLearnerState } from '../../core/learner/learner-state.js';
import type { AdaptiveConfigOverrides } from '../../core/adaptive-config.js';
import { composeSession } from '../../core/session/compose-session.js';
import type { SessionCandidate } from '../../core/session/session-candidate.js';
import { applySessionResults, type QuestionMeta, type SessionAnswer } from '../../core/feedback/apply-session-results.js';
import type { ReviewState } from '../../core/scheduling/review-state.js';

export interface EngineQuestion {
  questionId: string;
  categoryId: string | null;
  type: string;
  optionsCount: number | null;
  statedDifficulty: number | null;
  validationPassed: boolean | null;
}

export interface GenerateRequest {
  userId: string;
  sessionId: string;
  size: number;
  now: number;
  preferences?: { questionTypes?: string[] };
}

export interface GeneratedSession {
  sessionId: string;
  questions: Array<{ questionId: string; predictedSuccess: number; reason: string }>;
}

export interface ResultsRequest {
  sessionId: string;
  userId: string;
  now: number;
  answers: SessionAnswer[];
}

export interface AdaptiveEnginePort {
  generateSession(request: GenerateRequest): Promise<GeneratedSession>;
  submitResults(request: ResultsRequest): Promise<void>;
  /** Questions whose review fell due in (after, upTo] for this learner (for the on-time metric). */
  reviewsFallenDue(userId: string, after: number, upTo: number): Promise<string[]>;
}

export class InProcessEngine implements AdaptiveEnginePort {
  private readonly learners = new Map<string, LearnerState>();
  private readonly items = new Map<string, ItemState>();
  private readonly reviews = new Map<string, Map<string, ReviewState>>();
  private readonly meta: Record<string, QuestionMeta> = {};

  constructor(
    private readonly bank: readonly EngineQuestion[],
    private readonly config?: AdaptiveConfigOverrides,
  ) {
    for (const q of bank) {
      this.meta[q.questionId] = { categoryId: q.categoryId, type: q.type, optionsCount: q.optionsCount, statedDifficulty: q.statedDifficulty };
    }
  }

  private learner(userId: string): LearnerState {
    return this.learners.get(userId) ?? createLearnerState(userId);
  }

  private reviewsOf(userId: string): Map<string, ReviewState> {
    let map = this.reviews.get(userId);
    if (!map) {
      map = new Map();
      this.reviews.set(userId, map);
    }
    return map;
  }

  async generateSession(request: GenerateRequest): Promise<GeneratedSession> {
    const reviews = this.reviewsOf(request.userId);
    const candidates: SessionCandidate[] = this.bank.map((q) => ({
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
      learner: this.learner(request.userId),
      candidates,
      now: request.now,
      size: request.size,
      ...(request.preferences ? { preferences: request.preferences } : {}),
      seed: request.sessionId,
      ...(this.config ? { config: this.config } : {}),
    });
    return { sessionId: request.sessionId, questions };
  }

  async submitResults(request: ResultsRequest): Promise<void> {
    const reviews = this.reviewsOf(request.userId);
    const items: Record<string, ItemState> = {};
    const current: Record<string, ReviewState> = {};
    for (const a of request.answers) {
      const item = this.items.get(a.questionId);
      if (item) items[a.questionId] = item;
      const review = reviews.get(a.questionId);
      if (review) current[a.questionId] = review;
    }
    const out = applySessionResults({
      learner: this.learner(request.userId),
      items,
      reviews: current,
      questions: this.meta,
      answers: request.answers,
      now: request.now,
      ...(this.config ? { config: this.config } : {}),
    });
    this.learners.set(request.userId, out.learner);
    for (const [id, item] of Object.entries(out.items)) this.items.set(id, item);
    for (const [id, review] of Object.entries(out.reviews)) reviews.set(id, review);
  }

  async reviewsFallenDue(userId: string, after: number, upTo: number): Promise<string[]> {
    const out: string[] = [];
    for (const [id, review] of this.reviewsOf(userId)) if (review.dueAt > after && review.dueAt <= upTo) out.push(id);
    return out;
  }

  learnerState(userId: string): LearnerState | undefined {
    return this.learners.get(userId);
  }
}
