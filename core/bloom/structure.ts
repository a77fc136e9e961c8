import nlp from 'compromise/two';
import { DEFAULT_BLOOM_KEYWORDS } from './keywords.js';
import { normalizeSpelling, normalizeText, splitSentences } from './tokens.js';

/**
 * Linguistic structure of a question, found with compromise's part-of-speech tagger: the form of
 * the question (wh-question, imperative, yes/no …) and its governing verb, i.e. the verb that says
 * what the learner must do ("Compare …", "How does X *differ* …", "Can you *develop* …").
 *
 * Cost control (dangerous spot for throughput): compromise's full pipeline costs roughly 80 µs
 * per word, so we run only its lexicon + pre-tagger passes (roughly a third of that) and only on
 * the first HEAD_TOKENS words of at most two clauses, plus the first 3 words of a few later
 * sentences. The governing verb of exam questions and learning objectives sits near the start;
 * the tail is left to the bag-of-words features. Measured: 6 head words scored as well as 8 in
 * cross-source evaluation and cost ~10% less.
 */

export const HEAD_TOKENS = 6;
/** A gap to fill: "___", "[blank]", "( )". */
export const BLANK_MARK = /_{2,}|\[\s*(?:blank)?\s*\]|\(\s*\)/i;
/** Sentences looked at for later imperatives; long exercises rarely hide the task further down. */
export const MAX_SENTENCES = 4;

export type QuestionForm =
  | 'imperative' // "Explain why …", "Compare and contrast …"
  | 'wh' // "What is …", "How would you …"
  | 'yesno' // "Can you …", "Do you agree …", "Is there …"
  | 'infinitive' // "To understand …"
  | 'objective' // "Students will be able to explain …"
  | 'gerund' // "Demonstrating knowledge of …"
  | 'declarative' // a statement with a finite verb
  | 'blank' // a statement with a gap to fill: "Water boils at ___ °C."
  | 'fragment'; // no verb found in the head

export interface Structure {
  form: QuestionForm;
  /** Lemma (American spelling) of the governing verb; undefined when none was found. */
  governingVerb?: string;
  /** Verbs coordinated with the governing verb ("compare *and contrast*"). */
  coordinatedVerbs: string[];
  /** Other non-auxiliary verb lemmas seen in the parsed heads. */
  otherVerbs: string[];
  /** wh-word, widened with its quantifier ("how many", "how long"). */
  whWord?: string;
  /** The word right after the wh-word ("how *would*", "what *is*", "why *not*"). */
  whNext?: string;
  modals: string[];
  /** First noun after the governing verb: what the learner acts on ("write an *essay*"). */
  object?: string;
  /** Adverb right before the governing verb ("*critically* evaluate"). */
  adverb?: string;
  /** First word of a leading subordinate clause ("If …, how would you …", "Using …, decide …"). */
  intro?: string;
  addressesYou: boolean;
  negated: boolean;
  isQuestion: boolean;
  sentenceCount: number;
  /** Imperative verbs opening later sentences ("Consider … . *Compare* this with …"). */
  laterVerbs: string[];
  /** The other clause read, when the text has a separate question sentence. */
  secondary?: { form: QuestionForm; governingVerb?: string; whWord?: string };
}

interface Term {
  normal: string;
  tags: Set<string>;
}

interface Transforms {
  verb: { toInfinitive(word: string, model: unknown, tense?: string): string | null };
  noun: { toSingular(word: string, model: unknown): string | null };
  adjective: { fromAdverb(word: string): string | null };
}

// compromise's own inflection tables, used directly: its 'root' pass lemmatises every term (and
// rebuilds lookup tables per call), while we only need the lemma of a handful of verbs and nouns.
const world = nlp.world() as { methods: { two: { transform: Transforms } }; model: unknown };
const transform = world.methods.two.transform;

/** Lemma of one term, following the same tag → transform table as compromise's root pass. */
function rootOf(t: Term): string {
  // The transforms return null/'' for words they cannot inflect; keep the surface form then.
  return rawRoot(t) || t.normal;
}

function rawRoot(t: Term): string | null {
  const w = t.normal;
  if (t.tags.has('Possessive')) return w.replace(/'s$/, '');
  if (t.tags.has('Copula')) return 'be';
  if (t.tags.has('Plural')) return transform.noun.toSingular(w, world.model);
  if (t.tags.has('PastTense')) return transform.verb.toInfinitive(w, world.model, 'PastTense');
  if (t.tags.has('Gerund')) return transform.verb.toInfinitive(w, world.model, 'Gerund');
  if (t.tags.has('PresentTense') && !t.tags.has('Infinitive')) return transform.verb.toInfinitive(w, world.model, 'PresentTense');
  if (t.tags.has('Adverb')) return transform.adjective.fromAdverb(w);
  return w;
}

const WH = new Set(['what', 'which', 'who', 'whom', 'whose', 'when', 'where', 'why', 'how']);
const WH_QUANTIFIERS = new Set(['many', 'much', 'long', 'far', 'often', 'old', 'big', 'large']);

/** Runs compromise's lexicon + pre-tagger on a short piece of text. */
function tag(text: string): Term[] {
  const doc = nlp.tokenize(text);
  doc.compute(['lexicon', 'preTagger']);
  const docs = (doc as unknown as { docs: Term[][] }).docs;
  return docs.flat().filter((t) => t.normal !== '');
}

function head(text: string, n: number): string {
  return text.split(' ', n).join(' ');
}

function has(t: Term | undefined, tagName: string): boolean {
  return t !== undefined && t.tags.has(tagName);
}

/** Lemma of a term used as a verb, in American spelling. */
function lemma(t: Term): string {
  // "Describes the …" reaches us as a plural noun the pre-tagger misread; inflect it as a verb.
  const misreadVerb = t.tags.has('Plural') && !t.tags.has('Verb');
  const root = (misreadVerb ? transform.verb.toInfinitive(t.normal, world.model, 'PresentTense') : rootOf(t)) || t.normal;
  // "predict/infer" is one slashed term in compromise; the first alternative stands for both.
  const base = root.split('/')[0]!.replace(/'s$/, '');
  return normalizeSpelling(base === 'is' ? 'be' : base);
}

function isAux(t: Term): boolean {
  return (
    t.tags.has('Modal') ||
    t.tags.has('Copula') ||
    t.tags.has('Auxiliary') ||
    /^(?:be|do|does|did|don't|doesn't|didn't|have|has|had)$/.test(t.normal)
  );
}

/**
 * True when a word the pre-tagger called a noun is really an imperative verb. The pre-tagger has
 * no sentence-position rules (those live in the slower post-tagger), so "Compare the …" or
 * "Describes the …" come out as nouns; a bare noun directly followed by a determiner, pronoun,
 * wh-word, preposition-less adjective or a coordinated verb cannot open an English sentence.
 */
function isMisreadImperative(first: Term, next: Term | undefined): boolean {
  if (!first.tags.has('Noun') || first.tags.has('ProperNoun') || first.tags.has('Pronoun')) return false;
  if (next === undefined) return false;
  if (next.tags.has('Determiner') || next.tags.has('Pronoun') || next.tags.has('QuestionWord')) return true;
  if (next.tags.has('Possessive') || next.tags.has('Value')) return true;
  return next.normal === 'and' || next.normal === 'or' || next.normal === 'how' || next.normal === 'why';
}

/**
 * Verbs that open a task when they open a sentence: the listed Bloom verbs plus the plain
 * instructions of exam papers. The pre-tagger often calls them nouns ("Compare paging …",
 * "List the …", "Design a …"); at the start of a sentence, not followed by a verb of their own
 * ("Design patterns *are* …"), they are imperatives.
 */
const TASK_VERBS: ReadonlySet<string> = new Set([
  ...Object.values(DEFAULT_BLOOM_KEYWORDS).flat(),
  ...('give find prove draw consider suppose assume imagine fill order arrange sort determine estimate ' +
    'sketch show write name list complete answer choose pick mark circle underline fix correct ' +
    'discuss comment contrast trace derive verify simplify convert translate describe define ' +
    'outline review suggest map model simulate measure test debug program code graph plot chart ' +
    'tabulate draft edit critique summarize summarise explain highlight note label match rewrite').split(' '),
].map(normalizeSpelling));

/** Scene-setting imperatives: the task usually follows in a later sentence. */
const SCENE_VERBS: ReadonlySet<string> = new Set(['consider', 'suppose', 'assume', 'imagine', 'let', 'read', 'look', 'study']);

function isTaskVerbLead(lead: Term, next: Term | undefined): boolean {
  if (!TASK_VERBS.has(normalizeSpelling(lead.normal))) return false;
  // "Design patterns are …", "List comprehensions can …": a following verb makes it a subject.
  if (next !== undefined && (isAux(next) || (next.tags.has('Verb') && !next.tags.has('Gerund') && !next.tags.has('Infinitive')))) return false;
  return true;
}

function isVerb(t: Term | undefined): t is Term {
  return t !== undefined && t.tags.has('Verb');
}

/**
 * The verb of "Why did the Roman Empire *fall*?", "Where do most earthquakes *occur*?": after
 * do-support comes the subject, then the bare verb, which the pre-tagger often calls a noun
 * ("end", "fall", "float"). Skip determiners, take a verb-tagged word after the subject's first
 * word, else the last word of the subject-and-verb run (which stops at a preposition or wh-word).
 */
function doSupportedVerb(terms: Term[], from: number): number {
  let i = from;
  while (i < terms.length && (terms[i]!.tags.has('Determiner') || terms[i]!.normal === 'most' || terms[i]!.normal === 'many')) i += 1;
  let last = -1;
  for (let j = i; j < terms.length; j += 1) {
    const t = terms[j]!;
    if (t.tags.has('Preposition') || t.tags.has('QuestionWord') || t.tags.has('Conjunction') || t.tags.has('Determiner')) break;
    if (j > i && isVerb(t) && !isAux(t)) return j;
    last = j;
  }
  return last > i ? last : -1;
}

interface ClauseParse {
  form: QuestionForm;
  verbIndex: number; // index of the governing verb in terms, -1 if none
  terms: Term[];
  whWord?: string;
  whNext?: string;
}

function parseClause(terms: Term[], isQuestion: boolean): ClauseParse {
  const first = terms[0];
  if (first === undefined) return { form: 'fragment', verbIndex: -1, terms };
  const firstNonAuxVerb = (from: number): number => {
    for (let i = from; i < terms.length; i += 1) {
      const t = terms[i]!;
      if (isVerb(t) && !isAux(t) && !t.tags.has('Gerund')) return i;
    }
    // "What is …", "Is there …", "A process has three threads": with no other verb, the copula
    // or possessive "have" governs.
    for (let i = 0; i < terms.length; i += 1) {
      const t = terms[i]!;
      if (t.tags.has('Copula') || (t.tags.has('Verb') && /^(?:have|has|had)$/.test(t.normal))) return i;
    }
    return -1;
  };

  if (WH.has(first.normal) && (first.tags.has('QuestionWord') || isQuestion)) {
    let whWord = first.normal;
    let next = 1;
    const second = terms[1];
    if (second && WH_QUANTIFIERS.has(second.normal) && (whWord === 'how' || whWord === 'what')) {
      whWord = `${whWord} ${second.normal}`;
      next = 2;
    }
    const after = terms[next];
    const doSupport = after !== undefined && /^(?:do|does|did)$/.test(after.normal) ? doSupportedVerb(terms, next + 1) : -1;
    // "What *changes* would you make …": a word between the wh-word and an auxiliary is its noun.
    const nounThenAux = after !== undefined && !isAux(after) && terms[next + 1] !== undefined && isAux(terms[next + 1]!);
    const verbIndex = doSupport >= 0 ? doSupport : firstNonAuxVerb(nounThenAux ? next + 1 : next);
    return { form: 'wh', verbIndex, terms, whWord, whNext: after?.normal };
  }

  // "Can you …", "Do you agree …", "Is there …": an auxiliary opening a question.
  if (isAux(first) && (isQuestion || has(terms[1], 'Pronoun') || terms[1]?.normal === 'there')) {
    return { form: 'yesno', verbIndex: firstNonAuxVerb(1), terms };
  }

  // "To understand …"
  if (first.normal === 'to' && isVerb(terms[1])) return { form: 'infinitive', verbIndex: 1, terms };

  // Skip leading adverbs: "Critically evaluate …", "Appropriately and effectively communicate …".
  let i = 0;
  while (i < terms.length && (terms[i]!.tags.has('Adverb') || (i > 0 && terms[i]!.normal === 'and'))) i += 1;
  const lead = terms[i];
  if (lead !== undefined && i < terms.length) {
    if (lead.tags.has('Gerund')) return { form: 'gerund', verbIndex: i, terms };
    if ((isVerb(lead) && !isAux(lead)) || isMisreadImperative(lead, terms[i + 1]) || isTaskVerbLead(lead, terms[i + 1])) {
      return { form: 'imperative', verbIndex: i, terms };
    }
  }

  // "Students will be able to explain …", "Learners should understand …".
  for (let j = 0; j < terms.length; j += 1) {
    const t = terms[j]!;
    if ((t.normal === 'to' || t.tags.has('Modal')) && j + 1 < terms.length) {
      const k = firstNonAuxVerb(j + 1);
      if (k > j && terms[k]!.normal !== 'able' && !terms[k]!.tags.has('Copula')) {
        return { form: 'objective', verbIndex: k, terms };
      }
    }
  }
  const k = firstNonAuxVerb(0);
  return { form: k >= 0 ? 'declarative' : 'fragment', verbIndex: k, terms };
}

/** Finds the clause to read: after a leading "If …," / "Using …," / "Given …," intro. */
/** "Why did the Roman Empire fall?": do-support puts the verb after the subject, so read further. */
const WH_DO = /^(?:what|which|why|how|when|where|who)\s+(?:do|does|did)\s/i;

function mainClause(sentence: string): { terms: Term[]; intro?: string } {
  const terms = tag(head(sentence, WH_DO.test(sentence) ? HEAD_TOKENS + 3 : HEAD_TOKENS));
  const first = terms[0];
  const comma = sentence.indexOf(', ');
  const opensWithIntro =
    first !== undefined &&
    !WH.has(first.normal) &&
    (first.tags.has('Conjunction') ||
      first.tags.has('Preposition') ||
      first.tags.has('Gerund') ||
      first.tags.has('Participle') ||
      first.normal === 'suppose' ||
      first.normal === 'based' ||
      first.normal === 'according' ||
      first.normal === 'referring' ||
      first.normal === 'assuming');
  if (opensWithIntro && comma > 0 && comma < 200) {
    const rest = sentence.slice(comma + 2).trim();
    if (rest.length > 0) return { terms: tag(head(rest, HEAD_TOKENS)), intro: first.normal };
  }
  if (opensWithIntro && comma < 0) {
    // "If you had all the resources how would you …": no comma, so resume at the wh-word.
    const wh = /\s(how|what|which|why|who|where|when)\s/i.exec(sentence);
    if (wh !== null) return { terms: tag(head(sentence.slice(wh.index + 1), HEAD_TOKENS)), intro: first.normal };
  }
  return { terms };
}

export function analyseStructure(rawText: string): Structure {
  const text = normalizeText(rawText);
  const sentences = splitSentences(text);
  const firstSentence = sentences[0] ?? text;
  const questionSentence = sentences.find((s) => s.endsWith('?'));
  const isQuestion = questionSentence !== undefined || /\?\s*$/.test(text);

  const primary = mainClause(firstSentence);
  let parse = parseClause(primary.terms, firstSentence.endsWith('?') || (sentences.length <= 1 && isQuestion));
  let intro = primary.intro;
  const otherTerms: Term[] = [];
  let secondary: Structure['secondary'];
  const summary = (p: ClauseParse): NonNullable<Structure['secondary']> => ({
    form: p.form,
    governingVerb: p.verbIndex >= 0 ? lemma(p.terms[p.verbIndex]!) : undefined,
    whWord: p.whWord,
  });
  // Exercises often set the scene first and ask last ("Assume … . What is the expected time?",
  // "A bank has three tellers. Compute …"). When the opening sentence only sets the scene — no
  // governing verb, a statement, or a scene-setting imperative ("Consider …", "Suppose …") — the
  // task is the first later sentence that asks (a question) or instructs (an imperative).
  const sceneSetting = (p: ClauseParse): boolean =>
    p.verbIndex < 0 ||
    p.form === 'declarative' ||
    p.form === 'fragment' ||
    (p.form === 'objective' && sentences.length > 1) ||
    (p.form === 'imperative' && SCENE_VERBS.has(lemma(p.terms[p.verbIndex]!)));
  const laterVerbs: string[] = [];
  let taskFound = false;
  for (const sentence of sentences.slice(1, MAX_SENTENCES)) {
    const asks = sentence === questionSentence;
    // Cost: a later statement is tagged on its first 3 words only (enough to spot an imperative);
    // the full head is tagged only for the sentence that becomes the task.
    let q = asks ? mainClause(sentence) : { terms: tag(head(sentence, 3)), intro: undefined };
    let qParse = parseClause(q.terms, sentence.endsWith('?'));
    const instructs = qParse.form === 'imperative' && qParse.verbIndex >= 0 && !SCENE_VERBS.has(lemma(qParse.terms[qParse.verbIndex]!));
    if (!taskFound && (asks || instructs) && sceneSetting(parse)) {
      if (!asks) {
        q = { terms: tag(head(sentence, HEAD_TOKENS)), intro: undefined };
        qParse = parseClause(q.terms, sentence.endsWith('?'));
      }
      otherTerms.push(...parse.terms);
      secondary = summary(parse);
      parse = qParse;
      intro = q.intro ?? intro;
      taskFound = true;
      continue;
    }
    if (asks && secondary === undefined) {
      otherTerms.push(...qParse.terms);
      secondary = summary(qParse);
    } else if (instructs) {
      // Later imperatives often carry further parts of the task ("Define … . Explain …").
      const l = lemma(qParse.terms[qParse.verbIndex]!);
      if (!laterVerbs.includes(l)) laterVerbs.push(l);
    }
  }
  // "The capital of France is ___." — a statement with a gap is a fill-in task.
  if ((parse.form === 'declarative' || parse.form === 'fragment') && BLANK_MARK.test(text)) {
    parse = { ...parse, form: 'blank' };
  }

  // "Read the poem and identify …": a scene-setting verb hands the task to the verb after "and".
  if (parse.form === 'imperative' && parse.verbIndex >= 0 && SCENE_VERBS.has(lemma(parse.terms[parse.verbIndex]!))) {
    const ts = parse.terms;
    for (let j = parse.verbIndex + 1; j + 1 < ts.length; j += 1) {
      if (ts[j]!.normal !== 'and' && ts[j]!.normal !== 'then') continue;
      const v = ts[j + 1]!;
      if (isVerb(v) || isTaskVerbLead(v, ts[j + 2])) {
        parse = { ...parse, verbIndex: j + 1 };
        break;
      }
    }
  }
  const terms = parse.terms;
  const gv = parse.verbIndex >= 0 ? terms[parse.verbIndex] : undefined;
  const coordinatedVerbs: string[] = [];
  if (gv !== undefined) {
    // "compare and contrast", "analyse and display": a verb right after and/or belongs to the task.
    for (let j = parse.verbIndex + 1; j + 1 < terms.length; j += 1) {
      const c = terms[j]!;
      if (c.normal !== 'and' && c.normal !== 'or' && c.normal !== ',') break;
      const v = terms[j + 1]!;
      if (isVerb(v) || isMisreadImperative(v, terms[j + 2])) coordinatedVerbs.push(lemma(v));
      j += 1;
    }
  }
  const otherVerbs: string[] = [];
  for (const [j, t] of [...terms.entries(), ...otherTerms.map((t, k) => [-1 - k, t] as const)]) {
    if (j === parse.verbIndex || !isVerb(t) || isAux(t)) continue;
    const l = lemma(t);
    if (!coordinatedVerbs.includes(l) && !otherVerbs.includes(l)) otherVerbs.push(l);
  }
  const modals = [...new Set([...terms, ...otherTerms].filter((t) => t.tags.has('Modal')).map((t) => t.normal))];
  const before = parse.verbIndex > 0 ? terms[parse.verbIndex - 1] : undefined;
  let object: string | undefined;
  if (gv !== undefined) {
    for (let j = parse.verbIndex + 1; j < terms.length; j += 1) {
      const t = terms[j]!;
      if (t.tags.has('Noun') && !t.tags.has('Pronoun')) {
        object = rootOf(t);
        break;
      }
      if (t.tags.has('Preposition') || t.tags.has('QuestionWord')) break;
    }
  }
  // A blank's task is to fill it; the statement's own verb ("is called ___") stays among the others.
  const blank = parse.form === 'blank';
  if (blank && gv !== undefined && !otherVerbs.includes(lemma(gv))) otherVerbs.push(lemma(gv));
  return {
    form: parse.form,
    governingVerb: blank ? 'fill' : gv ? lemma(gv) : undefined,
    coordinatedVerbs,
    otherVerbs,
    whWord: parse.whWord,
    whNext: parse.whNext,
    modals,
    object,
    adverb: before?.tags.has('Adverb') ? lemma(before) : undefined,
    intro,
    addressesYou: terms.some((t) => t.normal === 'you' || t.normal === 'your'),
    negated: terms.some((t) => t.tags.has('Negative') || t.normal === 'not'),
    isQuestion,
    sentenceCount: sentences.length,
    laterVerbs,
    secondary,
  };
}
