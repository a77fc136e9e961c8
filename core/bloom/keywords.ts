import type { BloomLevel } from './levels.js';
import { normalizeSpelling } from './tokens.js';

/**
 * Action verbs commonly listed for each level of the revised taxonomy (after Anderson & Krathwohl
 * 2001 and the verb tables most universities publish). They are a prior, not a rule: the
 * classifier learns how much to trust "the governing verb is a listed <level> verb" from labelled
 * data, which lets it generalise to verbs it never saw in training. Lists overlap on purpose
 * (compare, predict, outline … are listed at two levels in the sources); a verb listed at exactly
 * one level counts as a "clear" keyword for confidence.
 *
 * Verbs are given as lemmas in American spelling; `normalizeSpelling` folds British spellings onto them.
 */
export type BloomKeywords = Record<BloomLevel, readonly string[]>;

export const DEFAULT_BLOOM_KEYWORDS: BloomKeywords = {
  Remember: [
    'cite', 'define', 'duplicate', 'enumerate', 'identify', 'label', 'list', 'locate', 'match',
    'memorize', 'name', 'quote', 'recall', 'recite', 'recognize', 'record', 'repeat', 'reproduce',
    'retrieve', 'state', 'tell', 'know',
  ],
  Understand: [
    'clarify', 'comprehend', 'convert', 'describe', 'discuss', 'exemplify', 'explain', 'express',
    'extend', 'generalize', 'illustrate', 'indicate', 'infer', 'interpret', 'outline', 'paraphrase',
    'predict', 'report', 'restate', 'review', 'summarize', 'translate', 'understand', 'classify',
    'compare', 'appreciate',
  ],
  Apply: [
    'apply', 'calculate', 'compute', 'conduct', 'demonstrate', 'dramatize', 'employ', 'execute',
    'implement', 'manipulate', 'modify', 'operate', 'perform', 'practice', 'prepare', 'schedule',
    'show', 'sketch', 'solve', 'use', 'utilize', 'carry', 'complete', 'illustrate',
  ],
  Analyze: [
    'analyze', 'attribute', 'categorize', 'compare', 'contrast', 'deconstruct', 'deduce',
    'diagram', 'differentiate', 'discriminate', 'dissect', 'distinguish', 'examine', 'experiment',
    'investigate', 'inspect', 'organize', 'question', 'separate', 'subdivide', 'test', 'correlate',
    'break', 'relate',
  ],
  Evaluate: [
    'appraise', 'argue', 'assess', 'check', 'conclude', 'critique', 'criticize', 'debate', 'decide',
    'defend', 'evaluate', 'grade', 'judge', 'justify', 'prioritize', 'rank', 'rate', 'recommend',
    'select', 'support', 'validate', 'value', 'verify', 'weigh', 'reflect',
  ],
  Create: [
    'assemble', 'build', 'combine', 'compile', 'compose', 'construct', 'create', 'design',
    'develop', 'devise', 'formulate', 'generate', 'hypothesize', 'invent', 'make', 'originate',
    'plan', 'produce', 'propose', 'rearrange', 'reconstruct', 'reorganize', 'revise', 'rewrite',
    'synthesize', 'write', 'author', 'imagine', 'integrate',
  ],
};


/** Lemma → levels it is listed under; built once per keyword set. */
export type KeywordIndex = ReadonlyMap<string, readonly BloomLevel[]>;

export function buildKeywordIndex(keywords: BloomKeywords): KeywordIndex {
  const index = new Map<string, BloomLevel[]>();
  for (const [level, verbs] of Object.entries(keywords) as [BloomLevel, readonly string[]][]) {
    for (const verb of verbs) {
      const key = normalizeSpelling(verb);
      const levels = index.get(key) ?? [];
      if (!levels.includes(level)) levels.push(level);
      index.set(key, levels);
    }
  }
  return index;
}

/** Adds extra keywords (training option) to a copy of the defaults, keeping each list sorted. */
export function mergeKeywords(base: BloomKeywords, extra?: Partial<Record<BloomLevel, readonly string[]>>): Record<BloomLevel, string[]> {
  const out = {} as Record<BloomLevel, string[]>;
  for (const level of Object.keys(base) as BloomLevel[]) {
    const merged = new Set([...base[level], ...(extra?.[level] ?? [])].map(normalizeSpelling));
    out[level] = [...merged].sort();
  }
  return out;
}
