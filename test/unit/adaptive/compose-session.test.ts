import { describe, expect, it } from 'vitest';
import { createLearnerState, type LearnerState } from '../../../core/learner/learner-state.js';
import { createReviewState, recordReview, type ReviewState } from '../../../core/scheduling/review-state.js';
import { rateAnswer } from '../../../core/scheduling/answer-rating.js';
import { composeSession } from '../../../core/session/compose-session.js';
import type { SessionCandidate } from '../../../core/session/session-candidate.js';

const NOW = Date.UTC(2025, 3, 1, 12, 0, 0);
const DAY = 86_400_000;

function answered(questionId: string, at: number, correct = true): ReviewState {
  return recordReview(createReviewState(questionId, 'sm2', at), correct, rateAnswer(correct, null, 'short_answer'), at, {
    fsrsRetention: 0.9,
  });
}

/** 60 open questions over 3 categories, stated difficulties cycling 1..5, item ratings spread out. */
function pool(): SessionCandidate[] {
  return Array.from({ length: 60 }, (_, i) => ({
    questionId: `q${i}`,
    categoryId: `c${i % 3}`,
    type: i % 4 === 0 ? 'true_false' : 'short_answer',
    statedDifficulty: (i % 5) + 1,
    item: { questionId: `q${i}`, difficulty: -3 + (i / 59) * 4, answers: 50 },
  }));
}

function learner(): LearnerState {
  const l = createLearnerState('u1');
  l.skill = 0.3;
  return l;
}

describe('composeSession', () => {
  it('returns the requested number of distinct questions with reasons and predictions', () => {
    const candidates = pool();
    candidates.push({ ...candidates[5]! }); // a duplicate offer must not produce a repeat
    const { questions, trace } = composeSession({ learner: learner(), candidates, now: NOW, seed: 's1' });
    expect(questions).toHaveLength(10);
    expect(new Set(questions.map((q) => q.questionId)).size).toBe(10);
    expect(questions.map((q) => q.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const q of questions) {
      expect(q.reason.length).toBeGreaterThan(0);
      expect(q.predictedSuccess).toBeGreaterThan(0);
      expect(q.predictedSuccess).toBeLessThan(1);
      expect(q.targetSuccess).toBeGreaterThanOrEqual(0.7);
      expect(q.targetSuccess).toBeLessThanOrEqual(0.85);
    }
    expect((trace.inputs.candidates as { skipped: { duplicate: number } }).skipped.duplicate).toBe(1);
    expect(trace.choices).toHaveLength(10);
    expect(trace.candidatesConsidered.length).toBeLessThanOrEqual(30);
    expect(trace.modelVersion).toMatch(/^adaptive-/);
  });

  it('skips questions that failed validation and recently seen ones that are not due', () => {
    const candidates = pool().map((c, i) => ({
      ...c,
      validationPassed: i % 2 === 0 ? false : i % 3 === 0 ? null : true,
      // Odd questions below 20 were answered an hour ago (due tomorrow): too recent.
      review: i % 2 === 1 && i < 20 ? answered(c.questionId, NOW - 3_600_000) : null,
    }));
    const { questions, trace } = composeSession({ learner: learner(), candidates, now: NOW, size: 20, seed: 7 });
    for (const q of questions) {
      const i = Number(q.questionId.slice(1));
      expect(i % 2).toBe(1);
      expect(i).toBeGreaterThanOrEqual(20);
    }
    expect(questions).toHaveLength(20);
    const skipped = (trace.inputs.candidates as { skipped: Record<string, number> }).skipped;
    expect(skipped.failedValidation).toBe(30);
    expect(skipped.recentlySeen).toBe(10);
  });

  it('returns a shorter session rather than repeating when the pool runs out', () => {
    const { questions } = composeSession({ learner: learner(), candidates: pool().slice(0, 4), now: NOW, size: 10 });
    expect(questions).toHaveLength(4);
    expect(new Set(questions.map((q) => q.questionId)).size).toBe(4);
  });

  it('serves due reviews in the spaced-repetition share and falls back in the documented order', () => {
    const candidates = pool().map((c, i) => ({
      ...c,
      review: i >= 20 && i < 40 ? answered(c.questionId, NOW - 3 * DAY) : null, // due since 2 days
    }));
    const withDue = composeSession({ learner: learner(), candidates, now: NOW, seed: 1 }).questions;
    const sr = withDue.filter((q) => q.reason === 'spaced_repetition');
    expect(sr).toHaveLength(3);
    for (const q of sr) expect(q.due).toBe(true);

    // Nothing is due and nothing was ever answered: the 3 repetition seats go to knowledge gaps
    // first, which is empty too (no practised category), then to the difficulty curve.
    const fresh = composeSession({ learner: learner(), candidates: pool(), now: NOW, seed: 1 }).questions;
    expect(fresh.filter((q) => q.reason === 'spaced_repetition')).toHaveLength(0);
    expect(fresh.filter((q) => q.reason.startsWith('fallback:spaced_repetition>'))).toHaveLength(3);
    expect(fresh.filter((q) => q.reason === 'fallback:spaced_repetition>difficulty_curve')).toHaveLength(3);
    expect(fresh.filter((q) => q.reason === 'novel')).toHaveLength(1);
  });

  it('uses preferred question types for the learning-style share', () => {
    const { questions } = composeSession({
      learner: learner(),
      candidates: pool(),
      now: NOW,
      preferences: { questionTypes: ['true_false'] },
      seed: 3,
    });
    const style = questions.filter((q) => q.reason === 'learning_style');
    expect(style).toHaveLength(1);
    expect(Number(style[0]!.questionId.slice(1)) % 4).toBe(0); // true_false questions
  });

  it('puts the easiest questions in the warm-up and the hardest at the peak', () => {
    const { questions } = composeSession({ learner: learner(), candidates: pool(), now: NOW, seed: 2 });
    const p = questions.map((q) => q.predictedSuccess);
    const peak = questions.find((q) => q.phase === 'peak')!;
    expect(peak.position).toBe(7);
    expect(Math.min(p[0]!, p[1]!)).toBeGreaterThanOrEqual(Math.max(...p.slice(2)));
    expect(peak.predictedSuccess).toBe(Math.min(...p));
    expect(questions[0]!.targetSuccess).toBeGreaterThan(peak.targetSuccess);
    // No category offsets yet, so every category has the same skill: the peak's target is harder.
    expect(peak.targetDifficulty).toBeGreaterThan(questions[0]!.targetDifficulty);
  });

  it('lowers targets in comeback mode and follows the trend', () => {
    const base = learner();
    const comeback = { ...learner(), comebackMode: true };
    const a = composeSession({ learner: base, candidates: pool(), now: NOW, seed: 4 }).questions;
    const b = composeSession({ learner: comeback, candidates: pool(), now: NOW, seed: 4 }).questions;
    const mean = (qs: typeof a) => qs.reduce((s, q) => s + q.targetSuccess, 0) / qs.length;
    expect(mean(b)).toBeGreaterThan(mean(a));
    const improving = { ...learner(), trend: 0.5 };
    const c = composeSession({ learner: improving, candidates: pool(), now: NOW, seed: 4 }).questions;
    expect(mean(c)).toBeLessThan(mean(a));
  });

  it('moves the whole session with stacked offsets but keeps its centre, and the curve, inside the band', () => {
    const targets = (l: LearnerState): number[] =>
      composeSession({ learner: l, candidates: pool(), now: NOW, seed: 5 }).questions.map((q) => q.targetSuccess);
    // Streak offset at its maximum +0.6: the learner shift stops at logit(0.775) − logit(0.70) =
    // 0.3895, so the warm-up still sits above the peak: σ(1.2368 + 0.5 − 0.3895) = 0.7937,
    // peak σ(1.2368 − 0.4 − 0.3895) = 0.61 → 0.70, last position σ(1.2368 + 0.3 − 0.3895) = 0.7590.
    const up = targets({ ...learner(), difficultyOffset: 0.6 });
    expect(up[0]).toBeCloseTo(0.7937, 3);
    expect(up[6]).toBe(0.7);
    expect(up[9]).toBeCloseTo(0.759, 3);
    // Comeback (−0.5) on top of two 2-wrong steps (−1.0): the shift stops at
    // logit(0.775) − logit(0.85) = −0.4978, so the peak is still harder than the warm-up:
    // warm-up σ(1.2368 + 0.5 + 0.4978) = 0.903 → 0.85, peak σ(1.2368 − 0.4 + 0.4978) = 0.7917.
    const down = targets({ ...learner(), comebackMode: true, difficultyOffset: -1 });
    expect(down[0]).toBe(0.85);
    expect(down[6]).toBeCloseTo(0.7917, 3);
    // Within the range the offsets act in full: one 3-right step (+0.3) from the centre.
    const one = targets({ ...learner(), difficultyOffset: 0.3 });
    expect(one[9]).toBeCloseTo(1 / (1 + Math.exp(-(Math.log(0.775 / 0.225) + 0.3 - 0.3))), 3);
  });

  it('is deterministic for a seed and varies ties with the seed', () => {
    const input = { learner: learner(), candidates: pool(), now: NOW };
    const one = composeSession({ ...input, seed: 'session-1' });
    const again = composeSession({ ...input, seed: 'session-1' });
    expect(again).toEqual(one);
    const many = new Set(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((seed) => composeSession({ ...input, seed }).questions.map((q) => q.questionId).join(',')),
    );
    expect(many.size).toBeGreaterThan(1);
  });

  it('re-plans the rest of a session: positions from fromPosition on, never a question already asked', () => {
    const whole = composeSession({ learner: learner(), candidates: pool(), now: NOW, seed: 's1' }).questions;
    const asked = whole.slice(0, 2).map((q) => q.questionId);
    const rest = composeSession({ learner: learner(), candidates: pool(), now: NOW, seed: 's1#2', fromPosition: 3, exclude: asked }).questions;
    expect(rest.map((q) => q.position)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rest.some((q) => asked.includes(q.questionId))).toBe(false);
    // The tail keeps the whole session's curve: the peak stays at position 7.
    expect(rest.find((q) => q.position === 7)!.phase).toBe('peak');
  });

  it('re-plans easier after two wrong answers (streak rule −0.5 and a lower skill)', () => {
    const before = learner();
    const after = { ...learner(), skill: 0.3 - 0.6, difficultyOffset: -0.5, streaks: { correct: 0, wrong: 2 } };
    const plan = (l: LearnerState) => composeSession({ learner: l, candidates: pool(), now: NOW, seed: 'x', fromPosition: 3 }).questions;
    const mean = (qs: Array<{ targetDifficulty: number }>) => qs.reduce((s, q) => s + q.targetDifficulty, 0) / qs.length;
    expect(mean(plan(after))).toBeLessThan(mean(plan(before)) - 0.5);
  });
});
