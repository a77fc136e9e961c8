/**
 * Question-picking policies compared by the simulator. All of them skip questions that failed
 * validation and never repeat a question inside a session; they differ in what they know.
 * - oracle: knows every true success probability (memory included) and picks the questions
 *   whose P is closest to the flow centre 0.775 — an upper reference, not a reachable target.
 * - random: uniformly random questions.
 * - fixed: random questions of stated difficulty 3, whatever the learner.
 * - engine: composeSession + applySessionResults through an AdaptiveEnginePort.
 */
import { shuffled, type Rng } from '../../core/random.js';
import type { AdaptiveEnginePort } from './engine-port.js';
import type { LearnerTruth, SimLearner, SimQuestion } from './sim-world.js';

export interface SessionContext {
  learner: SimLearner;
  truth: LearnerTruth;
  sessionId: string;
  now: number;
  previousSessionAt: number | null;
  size: number;
  rng: Rng;
}

export interface SimAnswer {
  questionId: string;
  correct: boolean;
  responseMs: number;
  answeredAt: number;
}

export interface ReviewTimeliness {
  fallenDue: number;
  onTime: number;
}

export interface SimPolicy {
  readonly name: string;
  pick(ctx: SessionContext): Promise<string[]>;
  observe?(ctx: SessionContext, answers: SimAnswer[]): Promise<void>;
  timeliness?(): ReviewTimeliness;
}

const FLOW_CENTRE = 0.775;

export function oraclePolicy(bank: readonly SimQuestion[]): SimPolicy {
  const valid = bank.filter((q) => q.validationPassed);
  return {
    name: 'oracle',
    async pick(ctx) {
      return valid
        .map((q, i) => ({ id: q.questionId, i, miss: Math.abs(ctx.truth.successProbability(q, ctx.now) - FLOW_CENTRE) }))
        .sort((a, b) => a.miss - b.miss || a.i - b.i)
        .slice(0, ctx.size)
        .map((x) => x.id);
    },
  };
}

export function randomPolicy(bank: readonly SimQuestion[]): SimPolicy {
  const valid = bank.filter((q) => q.validationPassed).map((q) => q.questionId);
  return { name: 'random', pick: async (ctx) => shuffled(valid, ctx.rng).slice(0, ctx.size) };
}

export function fixedDifficultyPolicy(bank: readonly SimQuestion[], level = 3): SimPolicy {
  const valid = bank.filter((q) => q.validationPassed && q.statedDifficulty === level).map((q) => q.questionId);
  return { name: `fixed (level ${level})`, pick: async (ctx) => shuffled(valid, ctx.rng).slice(0, ctx.size) };
}

export function enginePolicy(name: string, port: AdaptiveEnginePort): SimPolicy {
  let fallenDue = 0;
  let onTime = 0;
  return {
    name,
    async pick(ctx) {
      const session = await port.generateSession({
        userId: ctx.learner.userId,
        sessionId: ctx.sessionId,
        size: ctx.size,
        now: ctx.now,
        ...(ctx.learner.preferredTypes.length > 0 ? { preferences: { questionTypes: ctx.learner.preferredTypes } } : {}),
      });
      const picked = session.questions.map((q) => q.questionId);
      // A review counts once, at the first session after it fell due: on time if that session has it.
      if (ctx.previousSessionAt !== null) {
        const due = await port.reviewsFallenDue(ctx.learner.userId, ctx.previousSessionAt, ctx.now);
        const chosen = new Set(picked);
        fallenDue += due.length;
        for (const id of due) if (chosen.has(id)) onTime += 1;
      }
      return picked;
    },
    async observe(ctx, answers) {
      await port.submitResults({ sessionId: ctx.sessionId, userId: ctx.learner.userId, now: ctx.now + answers.length * 30_000, answers });
    },
    timeliness: () => ({ fallenDue, onTime }),
  };
}
