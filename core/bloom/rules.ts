import { typeFitsLevel } from './assessment-fit.js';
import { levelIndex, type BloomLevel } from './levels.js';
import type { QuestionInput } from './question-input.js';
import type { Structure } from './structure.js';
import { normalizeText, splitSentences, wordTokens } from './tokens.js';

/**
 * The four weighted validation rules. Each scores 0..1 (partial credit where a rule has several
 * checks); qualityScore = Σ weight·score, and a question passes at qualityScore ≥ PASS_THRESHOLD.
 *
 * PASS_THRESHOLD = 0.7: a question may lose at most 0.30. It can fail the complexity, type or
 * instructions rule outright and still pass, but a question with no learning objective (−0.30)
 * passes only if everything else is flawless. A rule scoring below 1 is "failed" and yields
 * suggestions, even when the question as a whole passes.
 */

export const RULE_WEIGHTS = {
  learning_objective: 0.3,
  appropriate_complexity: 0.25,
  valid_assessment_type: 0.25,
  clear_instructions: 0.2,
} as const;

export type RuleId = keyof typeof RULE_WEIGHTS;
export const RULE_IDS = Object.keys(RULE_WEIGHTS) as RuleId[];

export const PASS_THRESHOLD = 0.7;

/**
 * Complexity bands per level, from computeComplexity over the 20k labelled rows of the shared
 * sources (`npm run eval:bloom -- --complexity`): lower = half the 5th percentile, upper = the 95th
 * percentile + 0.1. The slack is deliberate: the rule should flag clear outliers (a one-line
 * "Create" task, a page-long recall question), not the plain short questions most banks are made of.
 *   measured p5/p95: Remember .033/.383, Understand .128/.431, Apply .152/.463,
 *                    Analyze .171/.504, Evaluate .198/.526, Create .202/.496
 */
export const COMPLEXITY_BANDS: Record<BloomLevel, readonly [number, number]> = {
  Remember: [0.02, 0.48],
  Understand: [0.06, 0.53],
  Apply: [0.08, 0.56],
  Analyze: [0.09, 0.6],
  Evaluate: [0.1, 0.63],
  Create: [0.1, 0.6],
};

export type IssueCode =
  | 'objective_missing'
  | 'objective_too_short'
  | 'objective_misaligned'
  | 'complexity_too_low'
  | 'complexity_too_high'
  | 'difficulty_mismatch'
  | 'type_level_mismatch'
  | 'mc_too_few_options'
  | 'mc_duplicate_options'
  | 'mc_empty_option'
  | 'answer_not_in_options'
  | 'tf_answer_not_boolean'
  | 'fill_in_no_blank'
  | 'open_type_has_options'
  | 'too_short'
  | 'no_task'
  | 'placeholder'
  | 'vague_wording'
  | 'double_negative'
  | 'too_many_questions'
  | 'sentence_too_long';

export interface RuleIssue {
  code: IssueCode;
  message: string;
}

export interface RuleResult {
  id: RuleId;
  weight: number;
  score: number;
  passed: boolean;
  issues: RuleIssue[];
}

export interface RuleContext {
  question: QuestionInput;
  level: BloomLevel;
  complexity: number;
  structure: Structure;
  /** The classifier's level for the learning objective text, when there is one. */
  objectiveLevel?: BloomLevel;
}

function result(id: RuleId, score: number, issues: RuleIssue[]): RuleResult {
  const s = Math.round(Math.min(1, Math.max(0, score)) * 10_000) / 10_000;
  return { id, weight: RULE_WEIGHTS[id], score: s, passed: s >= 1, issues };
}

export function checkLearningObjective(ctx: RuleContext): RuleResult {
  const objective = (ctx.question.learningObjective ?? '').trim();
  if (objective === '') {
    return result('learning_objective', 0, [{ code: 'objective_missing', message: 'no learning objective given' }]);
  }
  if (wordTokens(objective).length < 3) {
    return result('learning_objective', 0.5, [{ code: 'objective_too_short', message: `learning objective "${objective}" is too short to state an outcome` }]);
  }
  // Adjacent levels count as aligned: objectives and items are routinely written one level apart
  // and human annotators disagree at that distance too.
  if (ctx.objectiveLevel !== undefined && Math.abs(levelIndex(ctx.objectiveLevel) - levelIndex(ctx.level)) > 1) {
    return result('learning_objective', 0.5, [
      { code: 'objective_misaligned', message: `objective reads as ${ctx.objectiveLevel} but the question assesses ${ctx.level}` },
    ]);
  }
  return result('learning_objective', 1, []);
}

/** Where in the level's band a difficulty (1–5) puts the expected complexity. */
export function expectedComplexity(level: BloomLevel, difficulty: number): number {
  const [lo, hi] = COMPLEXITY_BANDS[level];
  return lo + ((difficulty - 1) / 4) * (hi - lo);
}

export function checkComplexity(ctx: RuleContext): RuleResult {
  const [lo, hi] = COMPLEXITY_BANDS[ctx.level];
  const c = ctx.complexity;
  const issues: RuleIssue[] = [];
  let checks = 1;
  let ok = 0;
  if (c < lo) issues.push({ code: 'complexity_too_low', message: `complexity ${c.toFixed(2)} is below the ${ctx.level} band ${lo}–${hi}` });
  else if (c > hi) issues.push({ code: 'complexity_too_high', message: `complexity ${c.toFixed(2)} is above the ${ctx.level} band ${lo}–${hi}` });
  else ok += 1;
  const d = ctx.question.difficulty;
  if (d !== undefined) {
    checks += 1;
    const expected = expectedComplexity(ctx.level, d);
    // Half the band width either side: difficulty places a question within its level, roughly.
    if (Math.abs(c - expected) <= (hi - lo) / 2) ok += 1;
    else {
      issues.push({
        code: 'difficulty_mismatch',
        message: `difficulty ${d} implies complexity ≈ ${expected.toFixed(2)} for ${ctx.level}, measured ${c.toFixed(2)}`,
      });
    }
  }
  return result('appropriate_complexity', ok / checks, issues);
}

const BLANK = /_{3,}|\[\s*(?:blank)?\s*\]|\(\s*\)|\.{3}|…/i;

export function checkAssessmentType(ctx: RuleContext): RuleResult {
  const q = ctx.question;
  const issues: RuleIssue[] = [];
  const options = q.options ?? [];
  const norm = (s: string): string => s.trim().toLowerCase();
  if (q.type === 'multiple_choice') {
    const nonEmpty = options.filter((o) => o.trim() !== '');
    if (nonEmpty.length < options.length) issues.push({ code: 'mc_empty_option', message: 'an option is empty' });
    if (nonEmpty.length < 2) issues.push({ code: 'mc_too_few_options', message: `${nonEmpty.length} option(s); multiple choice needs at least 2` });
    if (new Set(nonEmpty.map(norm)).size < nonEmpty.length) issues.push({ code: 'mc_duplicate_options', message: 'two options are the same' });
    if (q.answer !== undefined && !options.some((o) => norm(o) === norm(q.answer!))) {
      issues.push({ code: 'answer_not_in_options', message: 'the answer is not one of the options' });
    }
  } else if (q.type === 'true_false') {
    if (q.answer !== undefined && !['true', 'false'].includes(norm(q.answer))) {
      issues.push({ code: 'tf_answer_not_boolean', message: `answer "${q.answer}" is not true or false` });
    }
  } else if (q.type === 'fill_in') {
    if (!BLANK.test(q.text)) issues.push({ code: 'fill_in_no_blank', message: 'no blank (___) marked in the text' });
  } else if (options.length > 0) {
    issues.push({ code: 'open_type_has_options', message: `${q.type} question carries ${options.length} option(s)` });
  }
  const structureOk = issues.length === 0;
  const aligned = typeFitsLevel(q.type, ctx.level);
  if (!aligned) issues.push({ code: 'type_level_mismatch', message: `${q.type} cannot assess ${ctx.level} well` });
  return result('valid_assessment_type', (structureOk ? 0.5 : 0) + (aligned ? 0.5 : 0), issues);
}

const VAGUE = new Set(['etc', 'something', 'stuff', 'things', 'thing', 'somehow', 'whatever', 'somewhat']);
const NEGATIONS = /\b(?:not|no|never|none|neither|nor|cannot)\b|n't\b/gi;

export function checkInstructions(ctx: RuleContext): RuleResult {
  const q = ctx.question;
  const text = normalizeText(q.text);
  const tokens = wordTokens(text, 400);
  const issues: RuleIssue[] = [];
  if (tokens.length < 3) issues.push({ code: 'too_short', message: `only ${tokens.length} word(s)` });
  const s = ctx.structure;
  // True/false items and fill-ins are statements by nature; everything else should ask or instruct.
  const statementType = q.type === 'true_false' || q.type === 'fill_in';
  if (s.form === 'fragment' || (s.form === 'declarative' && !s.isQuestion && !statementType)) {
    issues.push({ code: 'no_task', message: 'neither a question nor an instruction with an action verb' });
  }
  // A gap in a statement is the task itself (form "blank"); elsewhere "..." / "___" is an unfinished stem.
  const placeholder = s.form === 'blank' ? /\.{3}|…/ : /\.{3}|…|_{3,}/;
  if (q.type !== 'fill_in' && placeholder.test(text)) issues.push({ code: 'placeholder', message: 'contains a placeholder ("..." or "___")' });
  const vague = [...new Set(tokens.filter((t) => VAGUE.has(t)))];
  if (vague.length > 0) issues.push({ code: 'vague_wording', message: `vague wording: ${vague.join(', ')}` });
  const sentences = splitSentences(text);
  if (sentences.some((x) => (x.match(NEGATIONS) ?? []).length >= 2)) issues.push({ code: 'double_negative', message: 'a sentence has two negations' });
  if ((text.match(/\?/g) ?? []).length > 2) issues.push({ code: 'too_many_questions', message: 'asks more than two questions at once' });
  if (sentences.some((x) => x.split(' ').length > 45)) issues.push({ code: 'sentence_too_long', message: 'a sentence is longer than 45 words' });
  return result('clear_instructions', 1 - 0.25 * issues.length, issues);
}

export function evaluateRules(ctx: RuleContext): RuleResult[] {
  return [checkLearningObjective(ctx), checkComplexity(ctx), checkAssessmentType(ctx), checkInstructions(ctx)];
}

export function qualityScore(rules: readonly RuleResult[]): number {
  const total = rules.reduce((sum, r) => sum + r.weight * r.score, 0);
  return Math.round(Math.min(1, Math.max(0, total)) * 10_000) / 10_000;
}

export function isPassing(score: number): boolean {
  return score >= PASS_THRESHOLD - 1e-9;
}
