import { typesForLevel } from './assessment-fit.js';
import type { BloomKeywords } from './keywords.js';
import { BLOOM_LEVELS, type BloomLevel } from './levels.js';
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
  keywords: BloomKeywords;
  objectiveLevel?: BloomLevel;
}

/** A few verbs listed only under `level`, for "use a verb such as …" advice. */
export function exampleVerbs(keywords: BloomKeywords, level: BloomLevel, count = 3): string[] {
  const elsewhere = new Set(BLOOM_LEVELS.filter((l) => l !== level).flatMap((l) => keywords[l]));
  const own = keywords[level].filter((v) => !elsewhere.has(v));
  return (own.length >= count ? own : keywords[level]).slice(0, count);
}

function text(issue: RuleIssue, ctx: SuggestionContext): string {
  const { level, question: q } = ctx;
  const verbs = exampleVerbs(ctx.keywords, level);
  const [lo, hi] = COMPLEXITY_BANDS[level];
  switch (issue.code) {
    case 'objective_missing':
      return `Add a learning objective that states what the learner will be able to do at the ${level} level, e.g. "Learners can ${verbs[0]} …" (other ${level} verbs: ${verbs.slice(1).join(', ')}).`;
    case 'objective_too_short':
      return `Expand the learning objective into a full outcome: an action verb, the content and, if useful, the condition (e.g. "${capitalize(verbs[0]!)} … given …").`;
    case 'objective_misaligned': {
      const target = ctx.objectiveLevel ?? level;
      return `The question assesses ${level} but its objective reads as ${target}: rewrite the question with a ${target} verb (${exampleVerbs(ctx.keywords, target).join(', ')}) or update the objective to match.`;
    }
    case 'complexity_too_low':
      return `The question is thin for ${level} (complexity ${ctx.complexity.toFixed(2)}, expected ${lo}–${hi}): add context, a scenario or a constraint the learner must work with.`;
    case 'complexity_too_high':
      return `The question is heavier than ${level} needs (complexity ${ctx.complexity.toFixed(2)}, expected ${lo}–${hi}): split it into separate questions or cut background that is not needed to answer.`;
    case 'difficulty_mismatch':
      return `The stated difficulty (${q.difficulty}) does not match the measured complexity (${ctx.complexity.toFixed(2)}): adjust the difficulty rating or make the question ${ctx.complexity < expectedComplexity(level, q.difficulty ?? 3) ? 'more demanding' : 'simpler'}.`;
    case 'type_level_mismatch':
      return `A ${q.type.replace('_', ' ')} question cannot assess ${level} well: use ${typesForLevel(level).map((t) => t.replace('_', ' ')).join(' or ')} instead, or rewrite the question for a level this type can test.`;
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
      return `Options are not used by ${q.type.replace('_', ' ')} questions: remove them or change the type to multiple choice.`;
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
