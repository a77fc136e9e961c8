import { describe, expect, it } from 'vitest';
import { bloomScoreSchema } from '../../../core/bloom/bloom-score.js';
import { loadDefaultModel } from '../../../core/bloom/model.js';
import { questionInputSchema } from '../../../core/bloom/question-input.js';
import { scoreQuestion } from '../../../core/bloom/score-question.js';

const model = loadDefaultModel();

describe('scoreQuestion', () => {
  it('returns a complete, schema-valid score with evidence', () => {
    const score = scoreQuestion(
      {
        text: 'Design an experiment to test whether light intensity affects the rate of photosynthesis.',
        type: 'essay',
        learningObjective: 'Design controlled experiments in biology',
        difficulty: 4,
      },
      model,
    );
    expect(bloomScoreSchema.parse(score)).toEqual(score);
    expect(score.level).toBe('Create');
    expect(score.modelVersion).toBe(model.version);
    expect(score.evidence.classifier.governingVerb).toBe('design');
    expect(score.evidence.objectiveLevel).toBe('Create');
    expect(score.evidence.rules.map((r) => r.id)).toEqual(['learning_objective', 'appropriate_complexity', 'valid_assessment_type', 'clear_instructions']);
    expect(score.passed).toBe(true);
    expect(score.suggestions).toEqual([]);
    // The seed formula (base + bonuses, capped) is kept beside the calibrated confidence.
    const c = score.evidence.confidence;
    const sum = c.base + c.bonuses.keywords + c.bonuses.questionTypeAlignment + c.bonuses.learningObjective + c.bonuses.lowAmbiguity;
    expect(c.seedValue).toBeCloseTo(Math.min(1, sum), 3);
    expect(c.method).toBe('calibrated');
    expect(score.confidence).toBeGreaterThan(0);
    expect(score.confidence).toBeLessThan(1);
    expect(score.needsReview).toBe(score.evidence.review!.needsReview);
    expect(score.runnerUpLevel).not.toBe(score.level);
  });

  it('fails a weak question and says why', () => {
    const score = scoreQuestion({ text: 'Write an essay about stuff etc.', type: 'true_false' }, model);
    expect(score.passed).toBe(false);
    expect(score.qualityScore).toBeLessThan(0.7);
    expect(score.suggestions.length).toBe(score.evidence.rules.flatMap((r) => (r.passed ? [] : r.issues)).length + (score.needsReview ? 1 : 0));
    expect(score.suggestions.some((s) => s.includes('learning objective'))).toBe(true);
    expect(score.suggestions.some((s) => s.includes('vague wording'))).toBe(true);
  });

  it('labels the knowledge dimension from cues and level', () => {
    expect(scoreQuestion({ text: 'Calculate the mean of 3, 5 and 10.', type: 'short_answer' }, model).knowledgeDimension).toBe('procedural');
    expect(scoreQuestion({ text: 'Who wrote Hamlet?', type: 'short_answer' }, model).knowledgeDimension).toBe('factual');
    expect(scoreQuestion({ text: 'Explain why the seasons change.', type: 'short_answer' }, model).knowledgeDimension).toBe('conceptual');
    expect(
      scoreQuestion({ text: 'Reflect on the strategies you used to study for this test and how you would change them.', type: 'essay' }, model)
        .knowledgeDimension,
    ).toBe('metacognitive');
  });
});

describe('questionInputSchema', () => {
  it('accepts a minimal question and trims its text', () => {
    expect(questionInputSchema.parse({ text: '  Define osmosis. ', type: 'short_answer' })).toEqual({ text: 'Define osmosis.', type: 'short_answer' });
  });

  it('rejects unknown types, oversize text, too many options and out-of-range difficulty', () => {
    expect(questionInputSchema.safeParse({ text: 'x', type: 'matching' }).success).toBe(false);
    expect(questionInputSchema.safeParse({ text: 'x'.repeat(5001), type: 'essay' }).success).toBe(false);
    expect(questionInputSchema.safeParse({ text: 'x', type: 'multiple_choice', options: Array(21).fill('o') }).success).toBe(false);
    expect(questionInputSchema.safeParse({ text: 'x', type: 'essay', difficulty: 6 }).success).toBe(false);
    expect(questionInputSchema.safeParse({ text: '   ', type: 'essay' }).success).toBe(false);
  });
});
