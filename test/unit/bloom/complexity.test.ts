import { describe, expect, it } from 'vitest';
import { COMPLEXITY_WEIGHTS, computeComplexity } from '../../../core/bloom/complexity.js';

describe('complexity', () => {
  it('weights the five terms 0.1/0.2/0.3/0.2/0.2', () => {
    expect(COMPLEXITY_WEIGHTS).toEqual({
      wordCount: 0.1,
      conceptCount: 0.2,
      relationshipComplexity: 0.3,
      abstractionLevel: 0.2,
      problemComplexity: 0.2,
    });
  });

  it('matches a worked example computed by hand', () => {
    // "Compare the causes of inflation and unemployment if interest rates rise." at Analyze:
    //  words 11                                  → WordCount   = 11/40          = 0.275
    //  concepts (not function words, not the verb "compare"): causes, inflation, unemployment,
    //    interest, rates, rise = 6                → ConceptCount = 6/10          = 0.6
    //  relation markers: compare, cause(s), if = 3 → Relationship = 3/4           = 0.75
    //  abstract nouns: inflation (-tion), unemployment (-ment) = 2
    //                                            → Abstraction = 0.6·3/5 + 0.4·2/3 = 0.62667
    //  parts 1 (one sentence), constraints 1 ("if")
    //                                            → Problem     = 0.5·0 + 0.5·1/3  = 0.16667
    //  Complexity = 0.1·0.275 + 0.2·0.6 + 0.3·0.75 + 0.2·0.62667 + 0.2·0.16667 = 0.53117
    const r = computeComplexity({
      text: 'Compare the causes of inflation and unemployment if interest rates rise.',
      level: 'Analyze',
      verbs: ['compare'],
    });
    expect(r.counts).toEqual({ words: 11, concepts: 6, relations: 3, abstractNouns: 2, parts: 1, constraints: 1 });
    expect(r.terms).toEqual({
      wordCount: 0.275,
      conceptCount: 0.6,
      relationshipComplexity: 0.75,
      abstractionLevel: 0.6267,
      problemComplexity: 0.1667,
    });
    expect(r.value).toBeCloseTo(0.5312, 4);
  });

  it('saturates every term at 1, so the total stays within 0..1', () => {
    const long = `${'Given x = 1, y = 2 and z = 3, if the theory holds, compare the relationship between cause and effect because it affects the outcome. '.repeat(6)}a) b) c)`;
    const r = computeComplexity({ text: long, level: 'Create' });
    expect(r.terms.wordCount).toBe(1);
    expect(r.terms.relationshipComplexity).toBe(1);
    expect(r.terms.problemComplexity).toBe(1);
    expect(r.value).toBeLessThanOrEqual(1);
    expect(r.value).toBeGreaterThan(0.8);
  });

  it('rates a higher level as more abstract for the same text', () => {
    const text = 'Describe the water cycle.';
    const low = computeComplexity({ text, level: 'Remember' });
    const high = computeComplexity({ text, level: 'Create' });
    expect(high.terms.abstractionLevel - low.terms.abstractionLevel).toBeCloseTo(0.6, 4);
    expect(high.value).toBeGreaterThan(low.value);
  });
});
