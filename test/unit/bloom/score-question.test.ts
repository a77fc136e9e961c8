import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bloomScoreSchema } from '../../../core/bloom/bloom-score.js';
import { loadDefaultModel } from '../../../core/bloom/model.js';
import { questionInputSchema } from '../../../core/bloom/question-input.js';
import { scoreQuestion } from '../../../core/bloom/score-question.js';
import { questionContentHash } from '../../../core/contracts/question-contracts.js';
import { metricsRegistry } from '../../../observability/metrics-registry.js';
import { observeValidations } from '../../../observability/learning-metrics.js';

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

describe('the author\'s intended level', () => {
  const text = 'Design an experiment to test whether light intensity affects the rate of photosynthesis.';

  it('agrees when the question reads at the intended level, and adds no suggestion', () => {
    const plain = scoreQuestion({ text, type: 'essay' }, model);
    const labelled = scoreQuestion({ text, type: 'essay', intendedLevel: plain.level }, model);
    expect(labelled.evidence.intendedLevel).toBe(plain.level);
    expect(labelled.evidence.agreesWithIntended).toBe(true);
    expect(labelled.suggestions).toEqual(plain.suggestions);
    // A label, not an input: the reading itself does not move.
    expect(labelled.level).toBe(plain.level);
    expect(labelled.confidence).toBe(plain.confidence);
    expect(plain.evidence.intendedLevel).toBeUndefined();
    expect(plain.evidence.agreesWithIntended).toBeUndefined();
  });

  it('disagrees when it does not, and says which verbs would ask for the intended level', () => {
    const score = scoreQuestion({ text: 'List the stages of mitosis.', type: 'short_answer', intendedLevel: 'Evaluate' }, model);
    expect(score.level).not.toBe('Evaluate');
    expect(score.evidence.agreesWithIntended).toBe(false);
    const advice = score.suggestions.find((s) => s.startsWith('Meant as Evaluate'));
    expect(advice).toContain(`reads as ${score.level}`);
    expect(bloomScoreSchema.parse(score)).toEqual(score);
  });

  it('is accepted as one of the six level names only', () => {
    expect(questionInputSchema.safeParse({ text, type: 'essay', intendedLevel: 'Analyze' }).success).toBe(true);
    expect(questionInputSchema.safeParse({ text, type: 'essay', intendedLevel: 'analyse' }).success).toBe(false);
  });

  it('leaves the content hash (and so derived ids) of unlabelled questions as they were, and changes it when given', () => {
    const q = { text, type: 'essay' as const, difficulty: 3 };
    const before = createHash('sha256')
      .update(JSON.stringify({ text, type: 'essay', learningObjective: null, options: null, answer: null, difficulty: 3 }))
      .digest('hex');
    expect(questionContentHash(q)).toBe(before);
    expect(questionContentHash({ ...q, intendedLevel: 'Create' })).not.toBe(before);
  });

  it('counts agreement into learnloop_validations_labelled_total (validation accuracy)', async () => {
    const count = async (agreed: string) =>
      (await metricsRegistry.getSingleMetric('learnloop_validations_labelled_total')!.get()).values.find((v) => v.labels.agreed === agreed)?.value ?? 0;
    const [yes, no] = [await count('true'), await count('false')];
    observeValidations([
      scoreQuestion({ text, type: 'essay', intendedLevel: 'Create' }, model),
      scoreQuestion({ text: 'List the stages of mitosis.', type: 'short_answer', intendedLevel: 'Evaluate' }, model),
      scoreQuestion({ text, type: 'essay' }, model),
    ]);
    expect((await count('true')) - yes).toBe(1);
    expect((await count('false')) - no).toBe(1);
  });
});
