import { describe, expect, it } from 'vitest';
import { loadDefaultModel } from '../../../core/bloom/model.js';
import { scoreQuestion } from '../../../core/bloom/score-question.js';
import { analyseStructure } from '../../../core/bloom/structure.js';
import { ALL_FORM_CASES, BLANKS, IMPERATIVES, MULTI_PART, SCENARIO_THEN_TASK, WH_QUESTIONS, YES_NO } from './question-forms.cases.js';

const model = loadDefaultModel();

describe('question forms', () => {
  it('has at least 200 labelled cases, none twice', () => {
    expect(ALL_FORM_CASES.length).toBeGreaterThanOrEqual(200);
    expect(new Set(ALL_FORM_CASES.map(([t]) => t)).size).toBe(ALL_FORM_CASES.length);
  });

  describe.each([
    ['imperatives', IMPERATIVES],
    ['wh-questions', WH_QUESTIONS],
    ['yes/no questions', YES_NO],
    ['multi-part questions', MULTI_PART],
    ['a scenario, then the task', SCENARIO_THEN_TASK],
    ['fill-in blanks', BLANKS],
  ])('%s', (_group, cases) => {
    it.each(cases)('reads %j as %s governed by %s', (text, form, verb) => {
      const s = analyseStructure(text);
      expect({ form: s.form, verb: s.governingVerb }).toEqual({ form, verb });
    });
  });

  it.each(ALL_FORM_CASES)('does not fail clear_instructions for want of a task: %j', (text) => {
    const score = scoreQuestion({ text, type: 'short_answer' }, model);
    const rule = score.evidence.rules.find((r) => r.id === 'clear_instructions')!;
    expect(rule.issues.map((i) => i.code)).not.toContain('no_task');
    expect(score.evidence.classifier.questionForm).not.toBe('fragment');
  });

  it('passes "Compare paging and segmentation." on clear_instructions', () => {
    const score = scoreQuestion({ text: 'Compare paging and segmentation.', type: 'essay' }, model);
    expect(score.evidence.classifier.questionForm).toBe('imperative');
    expect(score.evidence.classifier.governingVerb).toBe('compare');
    expect(score.evidence.rules.find((r) => r.id === 'clear_instructions')!.passed).toBe(true);
  });
});
