import { describe, expect, it } from 'vitest';
import type { QuestionInput } from '../../../core/bloom/question-input.js';
import {
  evaluateRules,
  isPassing,
  PASS_THRESHOLD,
  qualityScore,
  RULE_WEIGHTS,
  type RuleContext,
  type RuleResult,
} from '../../../core/bloom/rules.js';
import { analyseStructure } from '../../../core/bloom/structure.js';
import { suggestionsFor } from '../../../core/bloom/suggestions.js';
import { loadDefaultModel } from '../../../core/bloom/model.js';

const model = loadDefaultModel();

function ctx(question: QuestionInput, overrides: Partial<RuleContext> = {}): RuleContext {
  return {
    question,
    level: 'Apply',
    complexity: 0.3,
    structure: analyseStructure(question.text),
    objectiveLevel: question.learningObjective ? 'Apply' : undefined,
    ...overrides,
  };
}

const good: QuestionInput = {
  text: 'Calculate the area of a circle with a radius of 3 cm.',
  type: 'short_answer',
  learningObjective: 'Apply area formulas to circles and polygons',
};

function byId(rules: RuleResult[]): Record<string, RuleResult> {
  return Object.fromEntries(rules.map((r) => [r.id, r]));
}

function suggestedRuleIds(c: RuleContext): string[] {
  const rules = evaluateRules(c);
  return [...new Set(suggestionsFor(rules, { level: c.level, question: c.question, complexity: c.complexity, model }).map((s) => s.ruleId))].sort();
}

function failedRuleIds(c: RuleContext): string[] {
  return evaluateRules(c)
    .filter((r) => !r.passed)
    .map((r) => r.id)
    .sort();
}

describe('validation rules', () => {
  it('weights the rules 30/25/25/20 and passes at 0.7', () => {
    expect(RULE_WEIGHTS).toEqual({
      learning_objective: 0.3,
      appropriate_complexity: 0.25,
      valid_assessment_type: 0.25,
      clear_instructions: 0.2,
    });
    expect(Object.values(RULE_WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(PASS_THRESHOLD).toBe(0.7);
  });

  it('scores a well-formed question 1 and passes it', () => {
    const rules = evaluateRules(ctx(good));
    expect(rules.every((r) => r.passed)).toBe(true);
    expect(qualityScore(rules)).toBe(1);
    expect(isPassing(qualityScore(rules))).toBe(true);
  });

  it('passes a question that only lacks a learning objective (exactly at the threshold)', () => {
    const rules = evaluateRules(ctx({ ...good, learningObjective: undefined }));
    const r = byId(rules);
    expect(r.learning_objective!.score).toBe(0);
    expect(r.learning_objective!.issues.map((i) => i.code)).toEqual(['objective_missing']);
    expect(qualityScore(rules)).toBeCloseTo(0.7, 10);
    expect(isPassing(qualityScore(rules))).toBe(true);
  });

  it('fails a question without objective whose type cannot assess its level', () => {
    const q: QuestionInput = { text: 'Design a new board game that teaches fractions.', type: 'true_false' };
    const rules = evaluateRules(ctx(q, { level: 'Create' }));
    const r = byId(rules);
    expect(r.valid_assessment_type!.score).toBe(0.5);
    expect(r.valid_assessment_type!.issues.map((i) => i.code)).toEqual(['type_level_mismatch']);
    // 0·0.30 + 1·0.25 + 0.5·0.25 + 1·0.20
    expect(qualityScore(rules)).toBeCloseTo(0.575, 10);
    expect(isPassing(qualityScore(rules))).toBe(false);
  });

  it('gives half credit for a misaligned objective and for a difficulty that contradicts complexity', () => {
    const rules = byId(evaluateRules(ctx({ ...good, difficulty: 5 }, { objectiveLevel: 'Create', complexity: 0.1 })));
    expect(rules.learning_objective!.score).toBe(0.5);
    expect(rules.learning_objective!.issues[0]!.code).toBe('objective_misaligned');
    expect(rules.appropriate_complexity!.score).toBe(0.5);
    expect(rules.appropriate_complexity!.issues.map((i) => i.code)).toEqual(['difficulty_mismatch']);
  });

  it('checks multiple-choice structure', () => {
    const q: QuestionInput = {
      text: 'Which of these numbers is prime?',
      type: 'multiple_choice',
      options: ['4', '7', '7 '],
      answer: '9',
      learningObjective: 'Identify prime numbers below 100',
    };
    const r = byId(evaluateRules(ctx(q, { level: 'Remember', objectiveLevel: 'Remember', complexity: 0.1 })));
    expect(r.valid_assessment_type!.issues.map((i) => i.code).sort()).toEqual(['answer_not_in_options', 'mc_duplicate_options']);
    expect(r.valid_assessment_type!.score).toBe(0.5);
  });

  it('flags unclear instructions one issue at a time', () => {
    const q: QuestionInput = { text: "Isn't it not true that stuff happens...?", type: 'short_answer', learningObjective: 'Recall basic facts about weather' };
    const r = byId(evaluateRules(ctx(q, { level: 'Remember', objectiveLevel: 'Remember', complexity: 0.1 })));
    const codes = r.clear_instructions!.issues.map((i) => i.code).sort();
    expect(codes).toEqual(['double_negative', 'placeholder', 'vague_wording']);
    expect(r.clear_instructions!.score).toBeCloseTo(0.25, 10);
  });

  it('produces suggestions exactly for the rules that failed', () => {
    const cases: RuleContext[] = [
      ctx(good),
      ctx({ ...good, learningObjective: undefined }),
      ctx({ text: 'Design a new board game that teaches fractions.', type: 'true_false' }, { level: 'Create' }),
      ctx({ ...good, difficulty: 5 }, { objectiveLevel: 'Create', complexity: 0.1 }),
      ctx({ text: 'stuff', type: 'fill_in' }, { level: 'Remember', complexity: 0.9 }),
      ctx({ text: 'Name the capital of Peru.', type: 'multiple_choice', options: ['Lima'] }, { level: 'Remember', complexity: 0.1 }),
    ];
    const seen = new Set<string>();
    for (const c of cases) {
      const failed = failedRuleIds(c);
      failed.forEach((id) => seen.add(id));
      expect(suggestedRuleIds(c)).toEqual(failed);
    }
    // The cases above exercise every rule failing at least once.
    expect([...seen].sort()).toEqual(Object.keys(RULE_WEIGHTS).sort());
  });

  it('writes suggestions that name the problem', () => {
    const c = ctx({ text: 'Design a new board game that teaches fractions.', type: 'true_false' }, { level: 'Create' });
    const texts = suggestionsFor(evaluateRules(c), { level: 'Create', question: c.question, complexity: c.complexity, model }).map((s) => s.text);
    expect(texts.some((t) => t.includes('learning objective') && t.includes('Create'))).toBe(true);
    expect(texts.some((t) => t.startsWith('A true/false question cannot assess Create') && t.includes('an essay'))).toBe(true);
  });
});
