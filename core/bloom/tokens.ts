/**
 * Cheap string handling shared by the feature extractor and the complexity scorer. Nothing here
 * does part-of-speech work (compromise does that in structure.ts); this is only normalisation,
 * sentence splitting and a light suffix stemmer for the bag-of-words features.
 */

/** Longest text the scorer looks at; beyond this the features saturate and cost grows for nothing. */
export const MAX_TOKENS = 80;

/**
 * Collapses whitespace, folds typographic quotes and strips leading enumeration ("6.", "Q3:",
 * "a)", "(ii)") that exam and objective lists carry but that says nothing about the level.
 */
export function normalizeText(text: string): string {
  let t = text
    .replace(/[\u2018\u2019\u201b\u2032`´]/g, "'")
    .replace(/[\u201c\u201d\u201f\u2033]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\u2026/g, '...')
    // ". . ." placeholders in question stems would otherwise split one question into three.
    .replace(/\.(?:\s*\.){2,}/g, '...')
    .replace(/\s+/g, ' ')
    .trim();
  t = t.replace(/^(?:(?:q(?:uestion)?\s*)?\d{1,3}[.):]\s*|part\s+[a-z0-9]{1,3}\s*[.):]\s*|\(?[a-h]\)\s+|\(?(?:i|ii|iii|iv|v|vi)\)\s+|[-*•]\s+)/i, '');
  return t.trim();
}

/**
 * Splits on sentence-final punctuation followed by a space (so decimals like 3.5 survive), except
 * after common abbreviations ("e.g.", "i.e.", "etc.", "vs."). Single-letter enumerators ("b.")
 * come out as fragments and are dropped.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch !== '.' && ch !== '!' && ch !== '?') continue;
    const next = text[i + 1];
    if (next !== undefined && next !== ' ' && next !== '\n') continue;
    const before = text.slice(Math.max(start, i - 5), i + 1);
    if (ch === '.' && /(?:\be\.g|\bi\.e|\betc|\bvs|\bcf|\bfig|\beq)\.$/i.test(before)) continue;
    pushSentence(out, text.slice(start, i + 1));
    start = i + 1;
  }
  pushSentence(out, text.slice(start));
  return out;
}

function pushSentence(out: string[], raw: string): void {
  const s = raw.trim();
  if (s.replace(/[^a-z0-9]/gi, '').length >= 2) out.push(s);
}

/** Lower-cased word tokens (letters, digits, inner apostrophes/hyphens); numbers become "#". */
export function wordTokens(text: string, limit = MAX_TOKENS): string[] {
  const out: string[] = [];
  const re = /[a-z0-9]+(?:['-][a-z0-9]+)*/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && out.length < limit) {
    const w = m[0].toLowerCase();
    out.push(/^\d/.test(w) ? '#' : w);
  }
  return out;
}

/**
 * A deliberately light stemmer (plural -s/-es/-ies, -ing, -ed, -ly) so "compares"/"comparing"/
 * "compared" share a feature. It over- and under-stems sometimes; that only merges or splits a few
 * bag-of-words features and is consistent between training and scoring.
 */
export function stem(word: string): string {
  let w = normalizeSpelling(word);
  if (w.length <= 3 || w === '#') return w;
  if (w.endsWith("'s")) w = w.slice(0, -2);
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith('ly') && w.length > 5) w = w.slice(0, -2);
  else if (w.endsWith('es') && /(?:ch|sh|x|ss|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  return w;
}

/**
 * Folds British -ise/-yse spellings onto the American form so "analyse" and "analyze" share a
 * feature. Only words of 7+ letters are touched, and common words whose -ise is not the suffix
 * (advise, exercise, compromise, surprise, advertise…) are left alone.
 */
const NOT_ISE_SUFFIX =
  /(?:advertise|chastise|comprise|compromise|demise|despise|disguise|enterprise|excise|exercise|expertise|franchise|improvise|merchandise|paradise|premise|promise|reprise|supervise|surmise|surprise|televise|treatise|wise|precise|concise|noise|praise|raise|^a?rise|cruise|revise|devise|advise|poise)$/;

export function normalizeSpelling(word: string): string {
  const w = word.toLowerCase();
  // Fast path: most words contain neither spelling; this runs for every token on the hot path.
  if (!w.includes('is') && !w.includes('ys')) return w;
  if (w.endsWith('yse')) return `${w.slice(0, -3)}yze`;
  if (w.endsWith('ysed') || w.endsWith('yses')) return `${w.slice(0, -4)}yz${w.slice(-2)}`;
  if (w.endsWith('ysing')) return `${w.slice(0, -5)}yzing`;
  const m = /^(.{4,})is(e|ed|es|ing)$/.exec(w);
  if (m && !NOT_ISE_SUFFIX.test(`${m[1]}ise`)) return `${m[1]}iz${m[2]}`;
  return w;
}

/** Function words: kept for bigrams ("how many", "what is") but not counted as concepts. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an the and or but nor so yet of in on at to for from by with about as into onto over under ' +
    'between among through during before after above below up down out off than then that this ' +
    'these those there here it its they them their he she his her him we us our you your i me my ' +
    'is are was were be been being am do does did done have has had having can could may might ' +
    'must shall should will would not no yes if when where why how what which who whom whose ' +
    'all any each every some such own same other both few more most many much one two three ' +
    'also just only very too again further once following given use using e g i etc #'
  ).split(' '),
);
