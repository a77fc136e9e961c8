import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decisionTraceSchema, recordTracesPayloadSchema } from '../../../core/contracts/decision-trace.js';

// Found by `npm run fuzz -- --runs 1000 --seed 23`: a decision-insights/record job sent straight to
// the queue with modelVersion "a\u0000b" was accepted, then refused by Postgres ("unsupported
// Unicode escape sequence") and failed for good.
const trace = {
  decisionId: 'd-1',
  kind: 'session-pick',
  userId: 'u-1',
  createdAt: '2026-11-30T12:00:00.000Z',
  inputs: { skill: 0.4, nested: { reason: 'in flow', list: ['a', { b: 'c' }] } },
  outputs: { difficulty: 0.5 },
  modelVersion: 'adaptive-1',
};

describe('decision traces refuse what the jsonb store cannot hold', () => {
  it('accepts a plain trace', () => {
    expect(decisionTraceSchema.safeParse(trace).success).toBe(true);
  });

  it.each([
    ['NUL in modelVersion', { modelVersion: 'a\u0000b' }],
    ['NUL in kind', { kind: 'pick\u0000' }],
    ['lone surrogate in an input value', { inputs: { reason: 'x\ud800' } }],
    ['NUL deep inside an output', { outputs: { list: [{ deep: ['\u0000'] }] } }],
    ['NUL in an input key', { inputs: { 'a\u0000': 1 } }],
    ['lone low surrogate in an output key', { outputs: { '\udc00': 1 } }],
  ])('refuses %s', (_what, change) => {
    expect(decisionTraceSchema.safeParse({ ...trace, ...change }).success).toBe(false);
    expect(recordTracesPayloadSchema.safeParse({ traces: [trace, { ...trace, ...change }] }).success).toBe(false);
  });

  // Postgres refuses these timestamptz values (22008, 22009) although ISO 8601 and zod allow them.
  it.each(['0000-01-01T00:00:00Z', '2026-11-30T12:00:00+23:59', '2026-11-30T12:00:00-1600'])('refuses createdAt %s', (createdAt) => {
    expect(decisionTraceSchema.safeParse({ ...trace, createdAt }).success).toBe(false);
  });

  it.each(['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-11-30T12:00:00+14:00', '2026-11-30T12:00:00-15:59'])('accepts createdAt %s', (createdAt) => {
    expect(decisionTraceSchema.safeParse({ ...trace, createdAt }).success).toBe(true);
  });

  it('keeps paired surrogates (emoji) and escaped-looking text', () => {
    expect(decisionTraceSchema.safeParse({ ...trace, inputs: { note: 'well done 🎉', raw: '\\u0000 as text' } }).success).toBe(true);
  });
});

describe('decision trace schemas are compiled', () => {
  // z.compile hands a schema it cannot compile back unchanged, silently: still correct, but every
  // trace would go through the runtime parser again (~4× its CPU; bench/README.md). Strict
  // compilation throws instead, so a change to these schemas that loses the fast path fails here.
  it.each([
    ['decisionTraceSchema', decisionTraceSchema],
    ['recordTracesPayloadSchema', recordTracesPayloadSchema],
  ])('%s compiles', (_name, schema) => {
    expect(() => z.compile(schema, { strict: true })).not.toThrow();
  });

  it('parses into a fresh object with unknown keys dropped, as the runtime parser does', () => {
    const input = { ...trace, extra: 1, inputs: { ...trace.inputs } };
    const parsed = decisionTraceSchema.parse(input);
    expect(parsed).not.toBe(input);
    expect(parsed).toEqual(trace);
    expect(recordTracesPayloadSchema.parse({ traces: [input], more: true })).toEqual({ traces: [trace] });
  });
});
