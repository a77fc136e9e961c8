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
  it('applies the skill filter to learner, category and item (first answer, worked example)', () => {
    // Fresh learner θ = 0, v = v0 = 2.25; item stated level 3 → d = 0, u = u0 = 0.5, open question
    // g = 0: P = σ(0) = 0.5, I = P(1 − P) = 0.25.
    // Learner: predict v = min(2.25, 2.25 + 0.02) = 2.25; v⁺ = 1/(1/2.25 + 0.25) = 1.44;
    //   θ = 0 + 1.44·(1 − 0.5) = 0.72.
    // Category offset γ·K(0)·r = 0.5·1.6·0.5 = 0.4 (unchanged rule).
    // Item: u⁺ = 1/(1/0.5 + 0.25) = 0.444444; d = 0 − 0.444444·0.5 = −0.222222; info = 0.25.
    const out = applySessionResults(input([true]));
    expect(out.applied[0]!.predicted).toBe(0.5);
    expect(out.learner.skill).toBe(0.72);
    expect(out.learner.skillVar).toBe(1.44);
    expect(out.learner.categories.math!.offset).toBe(0.4);
    expect(out.items.q0).toEqual({ questionId: 'q0', difficulty: -0.222222, answers: 1, info: 0.25 });
    expect(out.reviews.q0!.lastReviewedAt).toBe(NOW);
    expect(out.reviews.q0!.dueAt).toBeGreaterThan(NOW);
  });

  it('reads states written before the filter with their old uncertainty (practised learner, worked example)', () => {
    // Learner θ = 1 after 100 answers without skillVar: v = 1.6/(1 + 0.28·100) = 0.055172, plus
    // qAnswer 0.02 = 0.075172. Item d = 1 after 50 answers without info: info = 0.2·50 = 10,
    // u = 1/(2 + 10) = 0.083333. P = σ(0) = 0.5, wrong: r = −0.5, I = 0.25.
    // θ = 1 + (1/(1/0.075172 + 0.25))·(−0.5) = 1 − 0.073786·0.5 = 0.963107.
    // Category K = 0.5·1.6 = 0.8 → offset −0.4.
    // d = 1 + (1/(12 + 0.25))·0.5 = 1 + 0.040816 = 1.040816; info = 10.25.
    const base = input([false]);
    const out = applySessionResults({
      ...base,
      learner: { ...createLearnerState('u1'), skillVar: undefined, skill: 1, answers: 100 },
      items: { q0: { questionId: 'q0', difficulty: 1, answers: 50 } },
    });
    expect(out.learner.skill).toBeCloseTo(0.963107, 6);
    expect(out.learner.skillVar).toBeCloseTo(0.073786, 6);
    expect(out.learner.categories.math!.offset).toBeCloseTo(-0.4, 9);
    expect(out.items.q0).toEqual({ questionId: 'q0', difficulty: 1.040816, answers: 51, info: 10.25 });
  });

  it('lets uncertainty grow back with time: the first answer after a break moves θ further', () => {
    // Same learner and answer, once right after the last answer and once 30 days later:
    // v = 0.2 + 0.02 vs 0.2 + 0.02 + 0.01·30 = 0.52; P = 0.5 → Δθ = v⁺·0.5.
    const at = (days: number) =>
      applySessionResults({
        ...input([true]),
        learner: { ...createLearnerState('u1'), skillVar: 0.2, answers: 200, lastAnsweredAt: NOW - days * 86_400_000 },
      });
    const soon = at(0);
    const later = at(30);
    expect(soon.learner.skill).toBeCloseTo(0.5 / (1 / 0.22 + 0.25), 6);
    expect(later.learner.skill).toBeCloseTo(0.5 / (1 / 0.52 + 0.25), 6);
    expect(later.learner.skill).toBeGreaterThan(soon.learner.skill * 2);
  });

  it('keeps K from collapsing: after 500 answers at the flow centre the gain stays near √(q/I)', () => {
    let learner = createLearnerState('u1');
    for (let i = 0; i < 500; i += 1) {
      const out = applySessionResults({
        ...input([i % 4 !== 0]),
        learner,
        now: NOW + i * 60_000,
        answers: [{ questionId: 'q0', correct: i % 4 !== 0, answeredAt: NOW + i * 60_000 }],
      });
      learner = out.learner;
    }
    // Steady state of v = 1/(1/(v + 0.02) + I): I·v² + 0.02·I·v − 0.02 = 0, so with I between
    // 0.1875 (P = 0.75) and 0.25 (P = 0.5) v lies between 0.273 and 0.318 (the old K(500) was 0.011).
    expect(learner.skillVar!).toBeGreaterThan(0.27);
    expect(learner.skillVar!).toBeLessThan(0.32);
  });

  it('runs the once-per-session steps once when answers come one at a time', () => {
    const learner = { ...createLearnerState('u1'), difficultyOffset: 0.6, sessions: 3 };
    const first = applySessionResults({ ...input([true]), learner });
    expect(first.learner.difficultyOffset).toBe(0.3);
    expect(first.learner.sessions).toBe(4);
    const second = applySessionResults({ ...input([true]), learner: first.learner, continuing: true });
    expect(second.learner.difficultyOffset).toBe(0.3);
    expect(second.learner.sessions).toBe(4);
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
