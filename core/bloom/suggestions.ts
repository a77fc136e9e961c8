import { TYPE_LEVEL_FIT, typesForLevel } from './assessment-fit.js';
import type { BloomModel } from './classifier.js';
import { BLOOM_LEVELS, levelIndex, type BloomLevel, type QuestionType } from './levels.js';
import type { QuestionInput } from './question-input.js';
import { COMPLEXITY_BANDS, expectedComplexity, type IssueCode, type RuleId, type RuleIssue, type RuleResult } from './rules.js';

/**
 * Turns failed rules into concrete advice. Every suggestion is derived from one issue of one
 * failed rule (and carries that rule's id), so an author never sees advice for a rule that passed.
 */

export interface RuleSuggestion {
  ruleId: RuleId;
  code: IssueCode;
  text: string;
}

export interface SuggestionContext {
  level: BloomLevel;
  question: QuestionInput;
  complexity: number;
  model: BloomModel;
  objectiveLevel?: BloomLevel;
}

// Objective-writing guides steer authors away from verbs nobody can observe; they stay keywords
// for classification (learning objectives use them a lot) but are never recommended.
const UNOBSERVABLE = new Set(['understand', 'know', 'appreciate', 'comprehend', 'learn']);

// Per model, so suggestions cost nothing on the hot path after the first.
const verbCache = new WeakMap<BloomModel, Map<BloomLevel, string[]>>();

/**
 * Verbs to recommend for a level: keywords listed only under that level, ordered by how strongly
 * the trained model ties them to it as a governing verb (so "explain" comes before "paraphrase").
 */
export function exampleVerbs(model: BloomModel, level: BloomLevel, count = 3): string[] {
  let byLevel = verbCache.get(model);
  if (byLevel === undefined) {
    byLevel = new Map();
    verbCache.set(model, byLevel);
  }
  let ranked = byLevel.get(level);
  if (ranked === undefined) {
    const k = levelIndex(level);
    const keywords = model.keywords;
    const elsewhere = new Set(BLOOM_LEVELS.filter((l) => l !== level).flatMap((l) => keywords[l]));
    const own = keywords[level].filter((v) => !elsewhere.has(v) && !UNOBSERVABLE.has(v));
    const pool = own.length >= count ? own : keywords[level].filter((v) => !UNOBSERVABLE.has(v));
    const strength = (verb: string): number => model.weights[`gv:${verb}`]?.[k] ?? 0;
    ranked = pool.sort((a, b) => strength(b) - strength(a) || a.localeCompare(b));
    byLevel.set(level, ranked);
  }
  return ranked.slice(0, count);
}

const TYPE_LABELS: Record<QuestionType, string> = {
  multiple_choice: 'multiple-choice',
  true_false: 'true/false',
  short_answer: 'short-answer',
  essay: 'essay',
  fill_in: 'fill-in',
};

function withArticle(label: string): string {
  return `${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label}`;
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function text(issue: RuleIssue, ctx: SuggestionContext): string {
  const { level, question: q } = ctx;
  const verbs = exampleVerbs(ctx.model, level);
  const [lo, hi] = COMPLEXITY_BANDS[level];
  switch (issue.code) {
    case 'objective_missing':
      return `Add a learning objective that states what the learner will be able to do at the ${level} level, e.g. "Learners can ${verbs[0]} …" (other ${level} verbs: ${verbs.slice(1).join(', ')}).`;
    case 'objective_too_short':
      return `Expand the learning objective into a full outcome: an action verb, the content and, if useful, the condition (e.g. "${capitalize(verbs[0]!)} … given …").`;
    case 'objective_misaligned': {
      const target = ctx.objectiveLevel ?? level;
      return `The question assesses ${level} but its objective reads as ${target}: rewrite the question with a ${target} verb (${exampleVerbs(ctx.model, target).join(', ')}) or update the objective to match.`;
    }
    case 'complexity_too_low':
      return `The question is thin for ${level} (complexity ${ctx.complexity.toFixed(2)}, expected ${lo}–${hi}): add context, a scenario or a constraint the learner must work with.`;
    case 'complexity_too_high':
      return `The question is heavier than ${level} needs (complexity ${ctx.complexity.toFixed(2)}, expected ${lo}–${hi}): split it into separate questions or cut background that is not needed to answer.`;
    case 'difficulty_mismatch':
      return `The stated difficulty (${q.difficulty}) does not match the measured complexity (${ctx.complexity.toFixed(2)}): adjust the difficulty rating or make the question ${ctx.complexity < expectedComplexity(level, q.difficulty ?? 3) ? 'more demanding' : 'simpler'}.`;
    case 'type_level_mismatch':
      return `${capitalize(withArticle(TYPE_LABELS[q.type]))} question cannot assess ${level} well: use ${orList(typesForLevel(level).map((t) => withArticle(TYPE_LABELS[t])))} question instead, or rewrite it for a level this type can test (${TYPE_LEVEL_FIT[q.type].join(', ')}).`;
    case 'mc_too_few_options':
      return 'Give the multiple-choice question at least two (ideally four) distinct, plausible options.';
    case 'mc_duplicate_options':
      return 'Remove or reword the duplicate options so every option is distinct.';
    case 'mc_empty_option':
      return 'Fill in or remove the empty option.';
    case 'answer_not_in_options':
      return 'Make the answer exactly match one of the options.';
    case 'tf_answer_not_boolean':
      return 'Set the answer of a true/false question to "true" or "false".';
    case 'fill_in_no_blank':
      return 'Mark where the learner fills in the answer with "___".';
    case 'open_type_has_options':
      return `Options are not used by ${TYPE_LABELS[q.type]} questions: remove them or change the type to multiple choice.`;
    case 'too_short':
      return 'State the task in a full sentence of at least three words.';
    case 'no_task':
      return `Phrase it as a direct question or an instruction that starts with an action verb, e.g. "${capitalize(verbs[0]!)} …".`;
    case 'placeholder':
      return 'Replace the placeholder ("..." or "___") with the actual content.';
    case 'vague_wording':
      return `Replace vague wording (${issue.message.replace(/^vague wording: /, '')}) with the specific items you mean.`;
    case 'double_negative':
      return 'Rephrase without the double negative; state the condition positively.';
    case 'too_many_questions':
      return 'Ask one thing per question, or number the parts (a, b, c) so each can be answered and marked separately.';
    case 'sentence_too_long':
      return 'Split the long sentence; keep each instruction under about 40 words.';
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function suggestionsFor(rules: readonly RuleResult[], ctx: SuggestionContext): RuleSuggestion[] {
  const out: RuleSuggestion[] = [];
  for (const rule of rules) {
    if (rule.passed) continue;
    for (const issue of rule.issues) out.push({ ruleId: rule.id, code: issue.code, text: text(issue, ctx) });
  }
  return out;
}
