/**
 * Bloom's revised taxonomy (Anderson & Krathwohl, 2001): the six cognitive-process levels, in
 * order from lowest to highest, and the four knowledge dimensions.
 *
 * The order matters: complexity, rule bands and "distance between levels" all use the index.
 */

export const BLOOM_LEVELS = ['Remember', 'Understand', 'Apply', 'Analyze', 'Evaluate', 'Create'] as const;
export type BloomLevel = (typeof BLOOM_LEVELS)[number];

export const KNOWLEDGE_DIMENSIONS = ['factual', 'conceptual', 'procedural', 'metacognitive'] as const;
export type KnowledgeDimension = (typeof KNOWLEDGE_DIMENSIONS)[number];

export const QUESTION_TYPES = ['multiple_choice', 'true_false', 'short_answer', 'essay', 'fill_in'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** 0 for Remember … 5 for Create. */
export function levelIndex(level: BloomLevel): number {
  return BLOOM_LEVELS.indexOf(level);
}

export function isBloomLevel(value: unknown): value is BloomLevel {
  return typeof value === 'string' && (BLOOM_LEVELS as readonly string[]).includes(value);
}

/**
 * Maps the many spellings found in labelled data (old taxonomy names, British spelling, case) to a
 * level; undefined when the label is not recognisable, so callers can reject the row loudly.
 */
export function parseBloomLevel(label: string): BloomLevel | undefined {
  const key = label.trim().toLowerCase();
  const aliases: Record<string, BloomLevel> = {
    remember: 'Remember',
    knowledge: 'Remember',
    understand: 'Understand',
    comprehension: 'Understand',
    apply: 'Apply',
    application: 'Apply',
    analyze: 'Analyze',
    analyse: 'Analyze',
    analysis: 'Analyze',
    evaluate: 'Evaluate',
    evaluation: 'Evaluate',
    create: 'Create',
    synthesis: 'Create',
  };
  return aliases[key];
}
