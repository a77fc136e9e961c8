import { describe, expect, it } from 'vitest';
import { computeConfidence, CONFIDENCE } from '../../../core/bloom/confidence.js';

describe('confidence', () => {
  it('adds each documented bonus to a base that includes half-weighted classifier probability', () => {
    const r = computeConfidence({
      level: 'Apply',
      topProbability: 0.8,
      secondProbability: 0.1,
      keywordMatches: [
        { word: 'calculate', levels: ['Apply'], governing: true },
        // listed at two levels, so not a *clear* match
        { word: 'compare', levels: ['Understand', 'Analyze'], governing: false },
      ],
      questionType: 'short_answer',
      learningObjective: 'Solve linear equations',
    });
    expect(r.base).toBeCloseTo(0.25 + 0.25 * 0.8, 10);
    expect(r.clearKeywords).toEqual(['calculate']);
    expect(r.bonuses).toEqual({ keywords: 0.05, questionTypeAlignment: 0.15, learningObjective: 0.1, lowAmbiguity: 0.1 });
    expect(r.value).toBeCloseTo(0.85, 10);
  });

  it('gives no bonus for a misfit type, a missing objective, an unclear margin or another level’s keyword', () => {
    const r = computeConfidence({
      level: 'Create',
      topProbability: 0.4,
      secondProbability: 0.3,
      keywordMatches: [{ word: 'list', levels: ['Remember'], governing: true }],
      questionType: 'true_false',
      learningObjective: '   ',
    });
    expect(r.bonuses).toEqual({ keywords: 0, questionTypeAlignment: 0, learningObjective: 0, lowAmbiguity: 0 });
    expect(r.value).toBeCloseTo(0.35, 10);
  });

  it('counts at most three clear keywords and caps the total at 1', () => {
    const r = computeConfidence({
      level: 'Create',
      topProbability: 1,
      secondProbability: 0,
      keywordMatches: ['design', 'compose', 'invent', 'devise', 'formulate'].map((word) => ({ word, levels: ['Create' as const], governing: false })),
      questionType: 'essay',
      learningObjective: 'Design experiments',
    });
    expect(r.bonuses.keywords).toBeCloseTo(CONFIDENCE.perClearKeyword * CONFIDENCE.maxClearKeywords, 10);
    expect(r.value).toBe(1);
  });

  it('treats a margin of exactly 0.25 as low ambiguity', () => {
    const base = { level: 'Remember' as const, keywordMatches: [], questionType: 'essay' as const };
    expect(computeConfidence({ ...base, topProbability: 0.5, secondProbability: 0.25 }).bonuses.lowAmbiguity).toBe(0.1);
    expect(computeConfidence({ ...base, topProbability: 0.5, secondProbability: 0.26 }).bonuses.lowAmbiguity).toBe(0);
  });
});
