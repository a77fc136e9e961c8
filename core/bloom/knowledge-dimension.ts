import type { TextAnalysis } from './features.js';
import type { BloomLevel, KnowledgeDimension } from './levels.js';
import { stem } from './tokens.js';

/**
 * Knowledge dimension (Anderson & Krathwohl): factual, conceptual, procedural, metacognitive.
 *
 * No labelled data exists for this axis in the shared sets, so it is a transparent cue count, not
 * a learned model: each dimension scores +1 per cue word found (by stem) and a prior from the
 * cognitive level (Remember leans factual, Understand/Analyze/Evaluate conceptual, Apply
 * procedural, Create conceptual+procedural). Highest score wins; ties go to the rarer, more
 * specific dimension (metacognitive > procedural > conceptual > factual). The cues found are
 * returned as evidence.
 */

const CUES: Record<KnowledgeDimension, readonly string[]> = {
  metacognitive: [
    'reflect', 'reflection', 'self', 'metacognitive', 'awareness', 'aware', 'monitor', 'yourself',
    'strategies', 'strategy', 'learned', 'confident', 'confidence', 'study',
  ],
  procedural: [
    'calculate', 'compute', 'solve', 'apply', 'implement', 'execute', 'perform', 'procedure', 'method',
    'algorithm', 'technique', 'step', 'steps', 'process', 'program', 'code', 'formula', 'equation',
    'construct', 'derive', 'measure', 'use', 'using', 'carry', 'simulate', 'run',
  ],
  conceptual: [
    'explain', 'why', 'compare', 'contrast', 'classify', 'categorize', 'relationship', 'principle',
    'theory', 'model', 'concept', 'cause', 'effect', 'difference', 'differ', 'similar', 'structure',
    'framework', 'interpret', 'significance', 'implication', 'justify', 'evaluate', 'argue',
  ],
  factual: [
    'define', 'list', 'name', 'identify', 'state', 'recall', 'who', 'when', 'where', 'term',
    'terminology', 'date', 'fact', 'label', 'many', 'much',
  ],
};

const LEVEL_PRIOR: Record<BloomLevel, Partial<Record<KnowledgeDimension, number>>> = {
  Remember: { factual: 1 },
  Understand: { conceptual: 1 },
  Apply: { procedural: 1 },
  Analyze: { conceptual: 1 },
  Evaluate: { conceptual: 1 },
  Create: { conceptual: 0.5, procedural: 0.5 },
};

const TIE_ORDER: readonly KnowledgeDimension[] = ['metacognitive', 'procedural', 'conceptual', 'factual'];

const CUE_STEMS: Record<KnowledgeDimension, ReadonlySet<string>> = Object.fromEntries(
  Object.entries(CUES).map(([d, words]) => [d, new Set(words.map(stem))]),
) as unknown as Record<KnowledgeDimension, ReadonlySet<string>>;

export interface KnowledgeDimensionResult {
  dimension: KnowledgeDimension;
  cues: string[];
  scores: Record<KnowledgeDimension, number>;
}

export function classifyKnowledgeDimension(analysis: TextAnalysis, level: BloomLevel): KnowledgeDimensionResult {
  const scores: Record<KnowledgeDimension, number> = { factual: 0, conceptual: 0, procedural: 0, metacognitive: 0 };
  for (const [d, w] of Object.entries(LEVEL_PRIOR[level]) as [KnowledgeDimension, number][]) scores[d] += w;
  const cues: string[] = [];
  const seen = new Set<string>();
  const words = [...analysis.stems];
  const gv = analysis.structure.governingVerb;
  if (gv !== undefined) words.push(stem(gv));
  for (const s of words) {
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of TIE_ORDER) {
      if (CUE_STEMS[d].has(s)) {
        scores[d] += 1;
        cues.push(`${d}:${s}`);
      }
    }
  }
  // "your own …" about one's thinking or learning is the clearest metacognitive phrasing.
  const joined = analysis.stems.join(' ');
  if (/\byour own (?:think|learn|understand|approach|strateg|progress)/.test(joined)) {
    scores.metacognitive += 2;
    cues.push('metacognitive:your own');
  }
  let best: KnowledgeDimension = 'factual';
  let bestScore = -1;
  for (const d of TIE_ORDER) {
    if (scores[d] > bestScore) {
      best = d;
      bestScore = scores[d];
    }
  }
  return { dimension: best, cues, scores };
}
