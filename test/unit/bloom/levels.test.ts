import { describe, expect, it } from 'vitest';
import { BLOOM_LEVELS, isBloomLevel, KNOWLEDGE_DIMENSIONS, levelIndex, parseBloomLevel } from '../../../core/bloom/levels.js';
import { typeFitsLevel, typesForLevel } from '../../../core/bloom/assessment-fit.js';

describe('Bloom levels', () => {
  it('lists the six revised-taxonomy levels from lowest to highest', () => {
    expect(BLOOM_LEVELS).toEqual(['Remember', 'Understand', 'Apply', 'Analyze', 'Evaluate', 'Create']);
    expect(levelIndex('Remember')).toBe(0);
    expect(levelIndex('Create')).toBe(5);
  });

  it('lists the four knowledge dimensions', () => {
    expect(KNOWLEDGE_DIMENSIONS).toEqual(['factual', 'conceptual', 'procedural', 'metacognitive']);
  });

  it('maps old-taxonomy and British labels onto levels and rejects unknown ones', () => {
    expect(parseBloomLevel('Knowledge')).toBe('Remember');
    expect(parseBloomLevel(' comprehension ')).toBe('Understand');
    expect(parseBloomLevel('Synthesis')).toBe('Create');
    expect(parseBloomLevel('Evaluation')).toBe('Evaluate');
    expect(parseBloomLevel('analyse')).toBe('Analyze');
    expect(parseBloomLevel('Memorise')).toBeUndefined();
    expect(isBloomLevel('Apply')).toBe(true);
    expect(isBloomLevel('apply')).toBe(false);
  });

  it('says which question types can assess which levels', () => {
    expect(typeFitsLevel('true_false', 'Remember')).toBe(true);
    expect(typeFitsLevel('true_false', 'Create')).toBe(false);
    expect(typeFitsLevel('essay', 'Remember')).toBe(false);
    expect(typesForLevel('Create')).toEqual(['essay']);
  });
});
