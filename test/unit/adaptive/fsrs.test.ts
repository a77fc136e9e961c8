import { describe, expect, it } from 'vitest';
import { rateAnswer } from '../../../core/scheduling/answer-rating.js';
import { createFsrsCard, fsrsNext } from '../../../core/scheduling/fsrs.js';
import { createReviewState, isReviewDue, recordReview } from '../../../core/scheduling/review-state.js';

const NOW = Date.UTC(2025, 2, 3, 10, 0, 0);
const DAY = 86_400_000;

describe('FSRS-6 via ts-fsrs', () => {
  it('advances a new card and schedules Good later than Again', () => {
    const card = createFsrsCard(NOW);
    expect(card.state).toBe('New');
    const good = fsrsNext(card, 'good', NOW, 0.9);
    const again = fsrsNext(card, 'again', NOW, 0.9);
    expect(good.state).not.toBe('New');
    expect(good.reps).toBe(1);
    expect(good.lastReview).toBe(NOW);
    expect(good.due).toBeGreaterThan(again.due);
    expect(again.due).toBeGreaterThan(NOW);
    // Whole-day intervals (short-term steps are off).
    expect((good.due - NOW) % DAY).toBe(0);
  });

  it('grows the interval on repeated Good answers and stays JSON-round-trippable', () => {
    let card = fsrsNext(createFsrsCard(NOW), 'good', NOW, 0.9);
    const first = card.due - NOW;
    const second = fsrsNext(JSON.parse(JSON.stringify(card)), 'good', card.due, 0.9);
    expect(second.due - card.due).toBeGreaterThan(first);
    card = second;
    expect(card.reps).toBe(2);
  });
});

describe('review state envelope', () => {
  it('schedules by the algorithm the state was created with', () => {
    const sm2 = recordReview(createReviewState('q1', 'sm2', NOW), true, rateAnswer(true, null, 'short_answer'), NOW, { fsrsRetention: 0.9 });
    expect(sm2.algorithm).toBe('sm2');
    expect(sm2.dueAt).toBe(NOW + DAY); // SM-2 I(1) = 1 day
    const fsrs = recordReview(createReviewState('q1', 'fsrs', NOW), true, rateAnswer(true, null, 'short_answer'), NOW, { fsrsRetention: 0.9 });
    expect(fsrs.algorithm).toBe('fsrs');
    expect(isReviewDue(fsrs, NOW)).toBe(false);
    expect(isReviewDue(fsrs, fsrs.dueAt)).toBe(true);
    expect(isReviewDue(createReviewState('q1', 'fsrs', NOW), NOW)).toBe(false); // never answered
  });

  it('grades answers from correctness and response time', () => {
    expect(rateAnswer(false, 1_000, 'multiple_choice')).toMatchObject({ grade: 'again', sm2Quality: 0 });
    expect(rateAnswer(false, 10_000, 'multiple_choice')).toMatchObject({ grade: 'again', sm2Quality: 1 });
    expect(rateAnswer(true, 5_000, 'multiple_choice')).toMatchObject({ grade: 'easy', sm2Quality: 5 });
    expect(rateAnswer(true, 15_000, 'multiple_choice')).toMatchObject({ grade: 'good', sm2Quality: 4 });
    expect(rateAnswer(true, 30_000, 'multiple_choice')).toMatchObject({ grade: 'hard', sm2Quality: 3 });
    expect(rateAnswer(true, undefined, 'essay')).toMatchObject({ grade: 'good', sm2Quality: 4, speed: null });
  });
});
