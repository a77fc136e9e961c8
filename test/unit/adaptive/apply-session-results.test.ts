import { describe, expect, it } from 'vitest';
import { applySessionResults, type ApplySessionResultsInput, type QuestionMeta } from '../../../core/feedback/apply-session-results.js';
import { createLearnerState } from '../../../core/learner/learner-state.js';
import { buildLearnerProfile, countDueReviews } from '../../../core/learner/learner-profile.js';

const NOW = Date.UTC(2025, 4, 5, 8, 0, 0);

function input(outcomes: boolean[]): ApplySessionResultsInput {
  const questions: Record<string, QuestionMeta> = {};
  outcomes.forEach((_, i) => {
    questions[`q${i}`] = { categoryId: i % 2 === 0 ? 'math' : 'history', type: 'short_answer', statedDifficulty: 3 };
  });
  return {
    learner: createLearnerState('u1'),
    items: {},
    reviews: {},
    questions,
    answers: outcomes.map((correct, i) => ({ questionId: `q${i}`, correct, responseMs: 20_000, answeredAt: NOW + i * 30_000 })),
    now: NOW + 600_000,
  };
}

describe('applySessionResults', () => {
  it('applies Elo to learner, category and item (first answer, worked example)', () => {
    // Fresh learner θ = 0, item stated level 3 → d = 0, open question g = 0: P = σ(0) = 0.5.
    // Correct: r = 0.5; learner K(0) = α = 1.6 → θ = 0.8; category offset γ·K = 0.5·1.6 → 0.4;
    // item K(0) = 1 → d = −0.5.
    const out = applySessionResults(input([true]));
    expect(out.applied[0]!.predicted).toBe(0.5);
    expect(out.learner.skill).toBe(0.8);
    expect(out.learner.categories.math!.offset).toBe(0.4);
    expect(out.items.q0).toEqual({ questionId: 'q0', difficulty: -0.5, answers: 1 });
    expect(out.reviews.q0!.lastReviewedAt).toBe(NOW);
    expect(out.reviews.q0!.dueAt).toBeGreaterThan(NOW);
  });

  it('gives learner and item their own uncertainty functions (practised learner, worked example)', () => {
    // Learner θ = 1 after 100 answers, first answer in 'math'; item d = 1 after 50 answers.
    // P = σ(0) = 0.5, wrong: r = −0.5.
    // Learner K = 1.6/(1 + 0.28·100) = 0.055172 → θ = 1 − 0.027586 = 0.972414.
    // Category K = 0.5·1.6/(1 + 0.28·0) = 0.8 → offset −0.4.
    // Item K = 1/(1 + 0.02·50) = 0.5 → d = 1 + 0.25 = 1.25.
    const base = input([false]);
    const out = applySessionResults({
      ...base,
      learner: { ...createLearnerState('u1'), skill: 1, answers: 100 },
      items: { q0: { questionId: 'q0', difficulty: 1, answers: 50 } },
    });
    expect(out.learner.skill).toBeCloseTo(0.972414, 6);
    expect(out.learner.categories.math!.offset).toBeCloseTo(-0.4, 9);
    expect(out.items.q0).toEqual({ questionId: 'q0', difficulty: 1.25, answers: 51 });
  });

  it('is deterministic and does not mutate its input', () => {
    const a = input([true, true, false, false, true, true, true, false, true, true]);
    const frozen = JSON.stringify(a);
    const first = applySessionResults(a);
    const second = applySessionResults(a);
    expect(second).toEqual(first);
    expect(JSON.stringify(a)).toBe(frozen);
    expect(JSON.parse(JSON.stringify(first.learner))).toEqual(first.learner);
  });

  it('fires streak rules and reports the session outcome', () => {
    const out = applySessionResults(input([true, true, true, false, false, true, true, true, true, false]));
    const rules = out.firedRules.map((r) => r.rule).filter((r) => r.startsWith('streak'));
    expect(rules).toEqual(['streak-up', 'streak-down', 'streak-up']);
    expect(out.outcome).toMatchObject({ answered: 10, correct: 7, successRate: 0.7, flowAchieved: true });
    expect(out.learner.streaks).toEqual({ correct: 0, wrong: 1 });
    // 0 (decayed) + 0.3 − 0.5 + 0.3
    expect(out.learner.difficultyOffset).toBeCloseTo(0.1, 9);
    const down = out.firedRules.find((r) => r.rule === 'streak-down')!;
    expect(down.questionId).toBe('q4');
    expect(down.outputs).toMatchObject({ difficultyOffset: -0.2 });
  });

  it('enters comeback mode on a bad run and marks a session out of flow', () => {
    const out = applySessionResults(input([false, true, false, false, true, false]));
    expect(out.firedRules.some((r) => r.rule === 'comeback-enter')).toBe(true);
    expect(out.learner.comebackMode).toBe(true);
    expect(out.outcome.flowAchieved).toBe(false);
  });

  it('counts a question answered twice in one call once', () => {
    const base = input([true]);
    const out = applySessionResults({ ...base, answers: [...base.answers, { questionId: 'q0', correct: false }] });
    expect(out.applied).toHaveLength(1);
    expect(out.ignored).toEqual([{ questionId: 'q0', reason: 'duplicate' }]);
    expect(out.learner.answers).toBe(1);
  });

  it('halves the previous streak offset at the start of a session and feeds the profile', () => {
    const first = applySessionResults(input([true, true, true]));
    expect(first.learner.difficultyOffset).toBe(0.3);
    const second = applySessionResults({ ...input([true]), learner: first.learner });
    expect(second.learner.difficultyOffset).toBe(0.15);
    expect(second.learner.sessions).toBe(2);
    const profile = buildLearnerProfile(second.learner, countDueReviews(Object.values(first.reviews), NOW + 10 * 86_400_000));
    expect(profile).toMatchObject({ userId: 'u1', streaks: { correct: 4, wrong: 0 }, comebackMode: false, reviewsDue: 3 });
    expect(profile.level).toBeGreaterThanOrEqual(3);
    expect(Object.keys(profile.mastery).sort()).toEqual(['history', 'math']);
  });
});
