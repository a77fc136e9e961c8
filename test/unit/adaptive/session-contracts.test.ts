import { describe, expect, it } from 'vitest';
import {
  feedbackResultsPayloadSchema,
  generateSessionPayloadSchema,
  learningPlanPayloadSchema,
} from '../../../core/contracts/session-contracts.js';

describe('session contracts', () => {
  it('defaults the session size to 10 and bounds it to 50', () => {
    expect(generateSessionPayloadSchema.parse({ userId: 'u-1' }).size).toBe(10);
    expect(generateSessionPayloadSchema.safeParse({ userId: 'u-1', size: 51 }).success).toBe(false);
    expect(generateSessionPayloadSchema.safeParse({ userId: 'u 1' }).success).toBe(false);
    expect(generateSessionPayloadSchema.safeParse({ userId: 'x'.repeat(129) }).success).toBe(false);
    expect(
      generateSessionPayloadSchema.safeParse({ userId: 'u', preferences: { questionTypes: ['multiple_choice', 'DROP TABLE'] } }).success,
    ).toBe(false);
  });

  it('bounds learning plans to levels 1–5 and 1–365 days', () => {
    expect(learningPlanPayloadSchema.safeParse({ userId: 'u', targetLevel: 5, days: 365 }).success).toBe(true);
    expect(learningPlanPayloadSchema.safeParse({ userId: 'u', targetLevel: 6, days: 30 }).success).toBe(false);
    expect(learningPlanPayloadSchema.safeParse({ userId: 'u', targetLevel: 3, days: 0 }).success).toBe(false);
  });

  it('accepts 1..200 answers with optional time fields', () => {
    const answer = { questionId: 'q1', correct: true, responseMs: 1200, answeredAt: '2025-01-01T10:00:00Z' };
    expect(feedbackResultsPayloadSchema.safeParse({ sessionId: 's', userId: 'u', answers: [answer] }).success).toBe(true);
    expect(feedbackResultsPayloadSchema.safeParse({ sessionId: 's', userId: 'u', answers: [] }).success).toBe(false);
    expect(
      feedbackResultsPayloadSchema.safeParse({ sessionId: 's', userId: 'u', answers: Array(201).fill({ questionId: 'q', correct: false }) })
        .success,
    ).toBe(false);
    expect(
      feedbackResultsPayloadSchema.safeParse({ sessionId: 's', userId: 'u', answers: [{ ...answer, answeredAt: 'yesterday' }] }).success,
    ).toBe(false);
  });
});
