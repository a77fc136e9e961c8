import { describe, expect, it } from 'vitest';
import { concurrencyFor } from '../../../app/system.js';
import { parseConfig } from '../../../core/config/config-schema.js';

describe('worker concurrency', () => {
  it('runs 32 validation jobs per Bloom thread unless configured: jobs in flight are what validate batches are made of', () => {
    // At 16 per thread batches held ~8 jobs and every batch's fixed cost (lookup, mappings, store,
    // cache pipeline, thread hop, trace job) weighed on each; at 64 the latency target broke.
    // See bench/README.md, "Where a job's time goes".
    expect(concurrencyFor(parseConfig({}), 2)('question-validation')).toBe(64);
    expect(concurrencyFor(parseConfig({}), 4)('question-validation')).toBe(128);
    expect(concurrencyFor(parseConfig({ CONCURRENCY_QUESTION_VALIDATION: '8' }), 4)('question-validation')).toBe(8);
  });
});
