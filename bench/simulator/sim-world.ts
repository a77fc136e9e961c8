/**
 * The simulated world: a population of learners with hidden true abilities and a question bank
 * with hidden true difficulties. The engine only ever sees what a real deployment would see (the
 * stated difficulty 1–5, type, category, validation verdict, and answers); policies like the
 * oracle get to peek at the truth.
 *
 * Ground truth per answer (same shape as the engine's model, plus memory the engine cannot see):
 *   P = g + (1 − g)·σ(ability + categoryOffset − trueDifficulty + memoryBoost)
 *   memoryBoost = 0.8 · exp(−daysSinceLastSeen / memoryStability) for a question seen before
 * Learning: every answer raises ability by learningRate · 4·σ(1 − σ) (informative questions teach
 * most). Forgetting: memoryStability starts at 1.5/forgetting days, ×2.2 on a correct answer,
 * ×0.6 (not below the start) on a wrong one — so well-timed reviews keep questions easier.
 */
import { normal, type Rng } from '../../core/random.js';
import { sigmoid, guessingFor } from '../../core/learner/elo.js';
import { EXPECTED_RESPONSE_MS } from '../../core/scheduling/answer-rating.js';

export interface SimQuestion {
  questionId: string;
  categoryId: string;
  type: string;
  optionsCount: number | null;
  /** What the question "arrived with" (1–5): a noisy reading of the true difficulty. */
  statedDifficulty: number;
  trueDifficulty: number;
  validationPassed: boolean;
}

export interface SimLearner {
  userId: string;
  ability: number;
  categoryOffsets: Record<string, number>;
  learningRate: number;
  forgetting: number;
  /** Mean days between sessions. */
  sessionGapDays: number;
  /** Multiplies the expected response time. */
  pace: number;
  preferredTypes: string[];
}

export interface MemoryTrace {
  lastSeen: number;
  stability: number;
}

const DAY_MS = 86_400_000;
const TYPES: Array<{ type: string; weight: number }> = [
  { type: 'multiple_choice', weight: 0.45 },
  { type: 'true_false', weight: 0.2 },
  { type: 'short_answer', weight: 0.2 },
  { type: 'fill_in', weight: 0.15 },
];

function pickType(rng: Rng): string {
  let u = rng();
  for (const t of TYPES) {
    if (u < t.weight) return t.type;
    u -= t.weight;
  }
  return 'multiple_choice';
}

export function categoriesFor(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `cat-${i + 1}`);
}

export function createQuestionBank(size: number, categories: readonly string[], rng: Rng): SimQuestion[] {
  return Array.from({ length: size }, (_, i) => {
    const type = pickType(rng);
    // Banks cover all five levels about evenly; the stated level is a noisy reading of the truth.
    const trueDifficulty = -3 + 6 * rng();
    const stated = Math.min(5, Math.max(1, Math.round(trueDifficulty + normal(rng, 0, 0.5)) + 3));
    const optionsCount = type === 'multiple_choice' ? [3, 4, 4, 4, 5][Math.floor(rng() * 5)] ?? 4 : null;
    return {
      questionId: `q-${String(i + 1).padStart(5, '0')}`,
      categoryId: categories[i % categories.length] as string,
      type,
      optionsCount,
      statedDifficulty: stated,
      trueDifficulty,
      validationPassed: rng() >= 0.05,
    };
  });
}

export function createPopulation(size: number, categories: readonly string[], rng: Rng): SimLearner[] {
  const gaps = [1, 1, 1, 1.5, 2, 3];
  return Array.from({ length: size }, (_, i) => {
    const categoryOffsets: Record<string, number> = {};
    // Topic knowledge differs within a person (strong in one subject, weak in another).
    for (const c of categories) categoryOffsets[c] = normal(rng, 0, 0.6);
    const preferred = TYPES.filter(() => rng() < 0.35).map((t) => t.type);
    return {
      userId: `learner-${String(i + 1).padStart(5, '0')}`,
      // From beginners to experts: about 1.5 levels of spread either side.
      ability: Math.max(-4, Math.min(4, normal(rng, 0, 1.5))),
      categoryOffsets,
      learningRate: 0.001 + rng() * 0.005,
      forgetting: 0.5 + rng(),
      sessionGapDays: gaps[Math.floor(rng() * gaps.length)] ?? 1,
      pace: Math.exp(normal(rng, 0, 0.25)),
      preferredTypes: preferred,
    };
  });
}

/** The live, mutable truth about one learner in one policy's world. */
export class LearnerTruth {
  ability: number;
  readonly memory = new Map<string, MemoryTrace>();

  constructor(readonly learner: SimLearner) {
    this.ability = learner.ability;
  }

  private core(q: SimQuestion, now: number): number {
    const trace = this.memory.get(q.questionId);
    const boost = trace ? 0.8 * Math.exp(-(now - trace.lastSeen) / DAY_MS / trace.stability) : 0;
    return sigmoid(this.ability + (this.learner.categoryOffsets[q.categoryId] ?? 0) - q.trueDifficulty + boost);
  }

  successProbability(q: SimQuestion, now: number): number {
    const g = guessingFor(q.type, q.optionsCount);
    return g + (1 - g) * this.core(q, now);
  }

  /** Draws the answer, then lets the learner learn and remember. */
  answer(q: SimQuestion, now: number, rng: Rng): { correct: boolean; responseMs: number; p: number } {
    const p = this.successProbability(q, now);
    const core = this.core(q, now);
    const correct = rng() < p;
    const expected = EXPECTED_RESPONSE_MS[q.type] ?? 20_000;
    const effort = correct ? 1.3 - 0.6 * core : 1.1;
    const responseMs = Math.round(expected * this.learner.pace * effort * Math.exp(normal(rng, 0, 0.35)));
    this.ability += this.learner.learningRate * 4 * core * (1 - core);
    const start = 1.5 / this.learner.forgetting;
    const trace = this.memory.get(q.questionId);
    const stability = !trace ? start : correct ? trace.stability * 2.2 : Math.max(start, trace.stability * 0.6);
    this.memory.set(q.questionId, { lastSeen: now, stability });
    return { correct, responseMs, p };
  }
}
