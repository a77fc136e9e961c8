import { levelIndex, type BloomLevel } from './levels.js';
import { normalizeText, splitSentences, STOPWORDS, stem, wordTokens } from './tokens.js';

/**
 * Complexity = 0.1·WordCount + 0.2·ConceptCount + 0.3·RelationshipComplexity
 *            + 0.2·AbstractionLevel + 0.2·ProblemComplexity           (weights sum to 1)
 *
 * Every term is normalised to 0..1 and saturates, so one very long question cannot dominate:
 * - WordCount             = min(words / 40, 1). 40+ words is a long, multi-part stem.
 * - ConceptCount          = min(distinct content words / 10, 1). Content word = not a function word
 *                           (STOPWORDS), not a verb the parser found, at least 3 letters; compared
 *                           by stem. A proxy for distinct concepts a learner must hold at once.
 * - RelationshipComplexity= min(relation markers / 4, 1). Markers are distinct connective or
 *                           relational words (because, therefore, affect, relationship, compare,
 *                           between, if, whereas …): each asks the learner to connect two ideas.
 * - AbstractionLevel      = 0.6·(Bloom level index / 5) + 0.4·min(abstract nouns / 3, 1).
 *                           The level is the strongest signal of abstraction; abstract nouns
 *                           (-tion, -ity, -ism, -ness, -ence/-ance, -ment, theory, principle …)
 *                           add the vocabulary side.
 * - ProblemComplexity     = 0.5·min((parts − 1) / 3, 1) + 0.5·min(constraints / 3, 1).
 *                           Parts = sentences + sub-part markers ("a.", "(ii)") + extra "?";
 *                           constraints = numbers and conditional set-ups (if, given, assume,
 *                           suppose, such that, at least/most, without).
 */

export const COMPLEXITY_WEIGHTS = {
  wordCount: 0.1,
  conceptCount: 0.2,
  relationshipComplexity: 0.3,
  abstractionLevel: 0.2,
  problemComplexity: 0.2,
} as const;

export type ComplexityTerms = Record<keyof typeof COMPLEXITY_WEIGHTS, number>;

export interface ComplexityResult {
  value: number;
  /** Normalised terms (0..1). */
  terms: ComplexityTerms;
  /** The counts the terms came from, for evidence. */
  counts: { words: number; concepts: number; relations: number; abstractNouns: number; parts: number; constraints: number };
}

const RELATION_MARKERS = new Set(
  (
    'because therefore thus hence consequently cause effect affect impact influence relationship relate ' +
    'relation between versus vs compare contrast differ difference similar whereas while although though ' +
    'unless if then lead result depend correlate interact tradeoff despite however'
  )
    .split(' ')
    .map(stem),
);

const ABSTRACT_WORDS = new Set(
  'theory principle concept model framework idea hypothesis strategy value ethic meaning purpose significance'.split(' ').map(stem),
);
const ABSTRACT_SUFFIX = /(?:tion|sion|ity|ism|ness|ence|ance|ment|ology|ics)s?$/;

const CONSTRAINT_PATTERN = /\b(?:if|given|assum\w*|suppose|such that|at (?:least|most)|without|provided|only)\b/gi;
const SUBPART_PATTERN = /(?:^|\s)(?:\(?[a-h]\)|[a-h]\.|\(?(?:i|ii|iii|iv|v)\))\s/g;

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

export interface ComplexityInput {
  text: string;
  level: BloomLevel;
  /** Verb lemmas the parser found; excluded from concepts (they are the task, not the content). */
  verbs?: readonly string[];
}

export function computeComplexity(input: ComplexityInput): ComplexityResult {
  const text = normalizeText(input.text);
  const words = text === '' ? 0 : text.split(' ').length;
  const tokens = wordTokens(text);
  const verbStems = new Set((input.verbs ?? []).map(stem));

  const concepts = new Set<string>();
  const relations = new Set<string>();
  let abstractNouns = 0;
  for (const token of tokens) {
    const s = stem(token);
    if (RELATION_MARKERS.has(s)) relations.add(s);
    if (STOPWORDS.has(token) || token.length < 3 || verbStems.has(s)) continue;
    if (!concepts.has(s) && (ABSTRACT_WORDS.has(s) || ABSTRACT_SUFFIX.test(token))) abstractNouns += 1;
    concepts.add(s);
  }

  const sentences = splitSentences(text).length;
  const subparts = (text.match(SUBPART_PATTERN) ?? []).length;
  const questionMarks = (text.match(/\?/g) ?? []).length;
  const parts = Math.max(1, sentences) + subparts + Math.max(0, questionMarks - 1);
  const numbers = tokens.filter((t) => t === '#').length;
  const constraints = numbers + (text.match(CONSTRAINT_PATTERN) ?? []).length;

  const terms: ComplexityTerms = {
    wordCount: round4(clamp01(words / 40)),
    conceptCount: round4(clamp01(concepts.size / 10)),
    relationshipComplexity: round4(clamp01(relations.size / 4)),
    abstractionLevel: round4(0.6 * (levelIndex(input.level) / 5) + 0.4 * clamp01(abstractNouns / 3)),
    problemComplexity: round4(0.5 * clamp01((parts - 1) / 3) + 0.5 * clamp01(constraints / 3)),
  };
  let value = 0;
  for (const key of Object.keys(COMPLEXITY_WEIGHTS) as (keyof ComplexityTerms)[]) value += COMPLEXITY_WEIGHTS[key] * terms[key];
  return {
    value: round4(clamp01(value)),
    terms,
    counts: { words, concepts: concepts.size, relations: relations.size, abstractNouns, parts, constraints },
  };
}
