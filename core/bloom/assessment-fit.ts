import type { BloomLevel, QuestionType } from './levels.js';

/**
 * Which levels each question type can assess well. Selected-response formats (true/false,
 * fill-in, multiple choice) top out where the learner must produce or judge something of their
 * own; essays are wasted on recall. Shared by the confidence bonus and the assessment-type rule so
 * the two never disagree.
 */
export const TYPE_LEVEL_FIT: Record<QuestionType, readonly BloomLevel[]> = {
  true_false: ['Remember', 'Understand'],
  fill_in: ['Remember', 'Understand', 'Apply'],
  multiple_choice: ['Remember', 'Understand', 'Apply', 'Analyze'],
  short_answer: ['Remember', 'Understand', 'Apply', 'Analyze', 'Evaluate'],
  essay: ['Understand', 'Apply', 'Analyze', 'Evaluate', 'Create'],
};

export function typeFitsLevel(type: QuestionType, level: BloomLevel): boolean {
  return TYPE_LEVEL_FIT[type].includes(level);
}

/** Types that suit a level, for suggestions ("use an essay or short answer instead"). */
export function typesForLevel(level: BloomLevel): QuestionType[] {
  return (Object.keys(TYPE_LEVEL_FIT) as QuestionType[]).filter((t) => TYPE_LEVEL_FIT[t].includes(level));
}
