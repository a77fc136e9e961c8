import { describe, expect, it } from 'vitest';
import { predict } from '../../../core/bloom/classifier.js';
import type { BloomLevel } from '../../../core/bloom/levels.js';
import { loadDefaultModel, parseBloomModel, serializeBloomModel } from '../../../core/bloom/model.js';
import { train, type TrainingRow } from '../../../core/bloom/train.js';

const model = loadDefaultModel();

// Written for this test, not taken from any training file.
const clear: [string, BloomLevel][] = [
  ['Define the term photosynthesis.', 'Remember'],
  ['List the planets of the solar system in order from the sun.', 'Remember'],
  ['When did the Berlin Wall fall?', 'Remember'],
  ['Explain in your own words how a vaccine trains the immune system.', 'Understand'],
  ['Summarize the main argument of the article.', 'Understand'],
  ['Calculate the kinetic energy of a 2 kg ball moving at 3 m/s.', 'Apply'],
  ['Use the quadratic formula to solve x^2 - 5x + 6 = 0.', 'Apply'],
  ['Analyze the factors that led to the decline of the Roman Empire.', 'Analyze'],
  ['Differentiate between renewable and non-renewable energy sources.', 'Analyze'],
  ['Evaluate the effectiveness of the new traffic policy and justify your conclusion.', 'Evaluate'],
  ['Critique the methodology used in this study.', 'Evaluate'],
  ['Design a marketing campaign for a new eco-friendly product.', 'Create'],
  ['Compose a short poem about the ocean.', 'Create'],
];

describe('Bloom classifier', () => {
  it.each(clear)('classifies %j as %s', (text, level) => {
    expect(predict(model, text).level).toBe(level);
  });

  it('returns a probability per level that sums to 1, and evidence for its choice', () => {
    const p = predict(model, 'Critically evaluate the two competing theories of memory.');
    const total = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 10);
    expect(p.evidence.governingVerb).toBe('evaluate');
    expect(p.evidence.questionForm).toBe('imperative');
    expect(p.evidence.keywordMatches.some((m) => m.word === 'evaluate' && m.governing && m.levels.includes('Evaluate'))).toBe(true);
    expect(p.evidence.topLevels[0]!.level).toBe(p.level);
    expect(p.evidence.topFeatures.length).toBeGreaterThan(0);
    expect(p.evidence.topFeatures.every((f) => f.weight > 0)).toBe(true);
  });

  it('round-trips the committed model through JSON without changing a prediction', () => {
    const copy = parseBloomModel(serializeBloomModel(model));
    expect(copy).toEqual(model);
    for (const [text] of clear) expect(predict(copy, text).probabilities).toEqual(predict(model, text).probabilities);
  });

  it('rejects model JSON of the wrong shape', () => {
    expect(() => parseBloomModel({ ...model, bias: [0, 0] })).toThrow();
    expect(() => parseBloomModel('{"format":"something-else"}')).toThrow();
  });

  it('carries a version of the form bloom-<yyyymmdd>-<hash>', () => {
    expect(model.version).toMatch(/^bloom-\d{8}-[0-9a-f]{8}$/);
  });
});

describe('training', () => {
  const rows: TrainingRow[] = [
    ...['planets', 'rivers of Europe', 'noble gases', 'prime numbers below 20', 'parts of a cell', 'US presidents'].map(
      (x) => ({ text: `List the ${x}.`, level: 'Remember' as const, source: 'a' }),
    ),
    ...['a poster about recycling', 'a new game', 'an experiment on plant growth', 'a logo for the club', 'a survey about sleep', 'a bridge model'].map(
      (x) => ({ text: `Design ${x}.`, level: 'Create' as const, source: 'b' }),
    ),
  ];

  it('learns from rows and generalises to unseen objects of the same verb', () => {
    const m = train(rows, { trainedOn: '20240101' });
    expect(predict(m, 'List the moons of Jupiter.').level).toBe('Remember');
    expect(predict(m, 'Design a garden for the school.').level).toBe('Create');
  });

  it('is deterministic: same rows and options give the same parameters and version', () => {
    const a = train(rows, { trainedOn: '20240101' });
    const b = train([...rows].reverse(), { trainedOn: '20240101' });
    expect(a.version).toMatch(/^bloom-20240101-[0-9a-f]{8}$/);
    expect(b.version).toBe(a.version);
    expect(b.weights).toEqual(a.weights);
  });

  it('changes the version when an option changes the parameters', () => {
    const a = train(rows, { trainedOn: '20240101' });
    const b = train(rows, { trainedOn: '20240101', weights: { levels: { Create: 3 } } });
    expect(b.version).not.toBe(a.version);
  });

  it('adds extra keywords to the model’s keyword lists', () => {
    const m = train(rows, { trainedOn: '20240101', keywords: { Create: ['prototype'] } });
    expect(m.keywords.Create).toContain('prototype');
    expect(m.keywords.Create).toContain('design');
  });

  it('refuses to train on nothing', () => {
    expect(() => train([])).toThrow(/no training rows/);
  });
});
