import type { BloomLevel } from './levels.js';
import type { KeywordIndex } from './keywords.js';
import { analyseStructure, type Structure } from './structure.js';
import { normalizeText, stem, wordTokens } from './tokens.js';

/**
 * Feature extraction: turns a question into a set of named binary features for the classifier.
 *
 * Two families, because they fail differently across sources:
 * - structural (from compromise): question form, governing verb, wh-word patterns, modals, and
 *   whether the governing verb is a listed keyword of some level. These carry over between exam
 *   questions and learning objectives, which is what cross-source accuracy depends on.
 * - lexical: stemmed word unigrams and bigrams. Strong within a source, weaker across sources.
 *
 * Feature names are prefixed by family ("gv:", "w:", …) so evidence can say which kind decided.
 */

export interface TextAnalysis {
  structure: Structure;
  /** Stemmed word tokens of the whole (normalised) text, capped at MAX_TOKENS. */
  stems: string[];
  wordCount: number;
}

export interface KeywordMatch {
  word: string;
  levels: BloomLevel[];
  /** true for the governing or a coordinated verb, which weigh more than a word elsewhere. */
  governing: boolean;
}

/** The expensive, keyword-independent part; callers that score many keyword sets cache this. */
export function analyseText(text: string): TextAnalysis {
  const normalized = normalizeText(text);
  const words = wordTokens(normalized);
  return {
    structure: analyseStructure(text),
    stems: words.map(stem),
    wordCount: normalized === '' ? 0 : normalized.split(' ').length,
  };
}

/** Keyword stems → levels, so "designing" in the text matches the listed "design". */
export function keywordStemIndex(index: KeywordIndex): ReadonlyMap<string, readonly BloomLevel[]> {
  const out = new Map<string, BloomLevel[]>();
  for (const [word, levels] of index) {
    const key = stem(word);
    const merged = out.get(key) ?? [];
    for (const l of levels) if (!merged.includes(l)) merged.push(l);
    out.set(key, merged);
  }
  return out;
}

export function keywordMatches(
  analysis: TextAnalysis,
  index: KeywordIndex,
  stemIndex: ReadonlyMap<string, readonly BloomLevel[]>,
): KeywordMatch[] {
  const s = analysis.structure;
  const out: KeywordMatch[] = [];
  const seen = new Set<string>();
  for (const verb of [s.governingVerb, ...s.coordinatedVerbs]) {
    if (verb === undefined) continue;
    const levels = index.get(verb) ?? stemIndex.get(stem(verb));
    if (levels && !seen.has(stem(verb))) {
      out.push({ word: verb, levels: [...levels], governing: true });
      seen.add(stem(verb));
    }
  }
  for (const st of analysis.stems) {
    if (seen.has(st)) continue;
    const levels = stemIndex.get(st);
    if (levels) {
      out.push({ word: st, levels: [...levels], governing: false });
      seen.add(st);
    }
  }
  return out;
}

function lengthBucket(n: number): string {
  if (n <= 5) return 'xs';
  if (n <= 10) return 's';
  if (n <= 20) return 'm';
  if (n <= 40) return 'l';
  return 'xl';
}

/**
 * Feature families (the prefix before ":" in evidence):
 *   f form · gv governing verb · fgv form+verb · gk/fgk listed level of the governing verb ·
 *   cv/ck coordinated verb · v/vk other verbs · lv/lk imperatives opening later sentences ·
 *   wh/whn/whv wh-word, wh+next word, wh+verb · m/fm modals · adv adverb · obj/gvo object noun ·
 *   in introductory clause · you addressed to the reader · neg · q question mark · ns sentences ·
 *   len length bucket · s.* the other clause · w0/b0 opening word/bigram · w/b stemmed words and
 *   bigrams · kw listed level of any word.
 */
export function featuresOf(
  analysis: TextAnalysis,
  index: KeywordIndex,
  stemIndex: ReadonlyMap<string, readonly BloomLevel[]>,
): string[] {
  const s = analysis.structure;
  const f = new Set<string>();
  const levelsOf = (verb: string): readonly BloomLevel[] => index.get(verb) ?? stemIndex.get(stem(verb)) ?? [];

  f.add(`f:${s.form}`);
  const gv = s.governingVerb;
  if (gv !== undefined) {
    f.add(`gv:${gv}`);
    f.add(`fgv:${s.form}_${gv}`);
    for (const l of levelsOf(gv)) {
      f.add(`gk:${l}`);
      f.add(`fgk:${s.form}_${l}`);
    }
  } else {
    f.add('gv:-');
  }
  for (const v of s.coordinatedVerbs) {
    f.add(`cv:${v}`);
    for (const l of levelsOf(v)) f.add(`ck:${l}`);
  }
  for (const v of s.otherVerbs) {
    f.add(`v:${v}`);
    for (const l of levelsOf(v)) f.add(`vk:${l}`);
  }
  if (s.whWord !== undefined) {
    f.add(`wh:${s.whWord}`);
    if (s.whNext !== undefined) f.add(`whn:${s.whWord}_${s.whNext}`);
    f.add(`whv:${s.whWord}_${gv ?? '-'}`);
  }
  for (const m of s.modals) {
    f.add(`m:${m}`);
    f.add(`fm:${s.form}_${m}`);
  }
  if (s.adverb !== undefined) f.add(`adv:${s.adverb}`);
  if (s.object !== undefined) {
    f.add(`obj:${s.object}`);
    f.add(`gvo:${gv ?? '-'}_${s.object}`);
  }
  if (s.intro !== undefined) f.add(`in:${s.intro}`);
  if (s.addressesYou) f.add(`you:${s.form}`);
  if (s.negated) f.add('neg');
  if (s.isQuestion) f.add('q');
  f.add(`ns:${Math.min(s.sentenceCount, 4)}`);
  f.add(`len:${lengthBucket(analysis.wordCount)}`);
  for (const v of s.laterVerbs) {
    f.add(`lv:${v}`);
    for (const l of levelsOf(v)) f.add(`lk:${l}`);
  }
  if (s.secondary !== undefined) {
    f.add(`s.f:${s.secondary.form}`);
    if (s.secondary.governingVerb !== undefined) {
      f.add(`s.gv:${s.secondary.governingVerb}`);
      for (const l of levelsOf(s.secondary.governingVerb)) f.add(`s.gk:${l}`);
    }
    if (s.secondary.whWord !== undefined) f.add(`s.wh:${s.secondary.whWord}`);
  }

  const stems = analysis.stems;
  // Opening words are where question stems live ("how would", "can you", "what is").
  if (stems.length > 0) f.add(`w0:${stems[0]}`);
  if (stems.length > 1) f.add(`b0:${stems[0]}_${stems[1]}`);
  for (let i = 0; i < stems.length; i += 1) {
    const w = stems[i]!;
    f.add(`w:${w}`);
    if (i + 1 < stems.length) f.add(`b:${w}_${stems[i + 1]}`);
    const levels = stemIndex.get(w);
    if (levels) for (const l of levels) f.add(`kw:${l}`);
  }
  return [...f];
}
