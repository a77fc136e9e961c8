import { describe, expect, it } from 'vitest';
import { analyticsEventId, analyticsEventSchema } from '../../../core/contracts/analytics-events.js';
import { dayStringSchema, rollupResultSchema } from '../../../core/contracts/maintenance-contracts.js';
import { monthKey, monthsFrom } from '../../../db/queries/decision-insight-partitions.js';
import { decodeCursor, encodeCursor } from '../../../dashboard/keyset-cursor.js';
import { HttpError } from '../../../dashboard/http-error.js';
import { previousUtcDay } from '../../../workers/processors/retention-cleanup/rollup.js';
import { traceBatchJobId } from '../../../workers/runtime/send-trace.js';
import type { DecisionTrace } from '../../../core/contracts/decision-trace.js';
import { z } from 'zod';

describe('decision-insight partition months', () => {
  it('names the UTC month of an instant, also across a local-time month boundary', () => {
    expect(monthKey(new Date('2025-01-31T23:30:00-05:00'))).toBe('2025-02-01');
    expect(monthKey(new Date('2025-03-01T00:00:00Z'))).toBe('2025-03-01');
  });

  it('lists the current month and the months ahead, across a year end', () => {
    expect(monthsFrom(new Date('2025-11-15T12:00:00Z'), 2)).toEqual(['2025-11-01', '2025-12-01', '2026-01-01']);
    expect(monthsFrom(new Date('2025-01-31T12:00:00Z'), 1)).toEqual(['2025-01-01', '2025-02-01']);
  });
});

describe('keyset cursors', () => {
  const schema = z.tuple([z.string(), z.string()]);

  it('round-trips a position as an opaque url-safe string', () => {
    const cursor = encodeCursor(['2025-01-01T00:00:00.000001Z', 'decision-1']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(schema, cursor)).toEqual(['2025-01-01T00:00:00.000001Z', 'decision-1']);
  });

  it('answers 400 for a cursor it did not hand out', () => {
    for (const bad of ['not-base64-json', encodeCursor({ a: 1 }), encodeCursor([1, 2])]) {
      expect(() => decodeCursor(schema, bad)).toThrow(HttpError);
      try {
        decodeCursor(schema, bad);
      } catch (error) {
        expect((error as HttpError).status).toBe(400);
      }
    }
  });
});

describe('analytics contracts', () => {
  it('accepts the three event kinds with their payloads and rejects a wrong payload', () => {
    const base = { eventId: analyticsEventId('session-completed', 's1'), sessionId: 's1', userId: 'u1', occurredAt: '2025-05-01T10:00:00Z' };
    expect(analyticsEventSchema.safeParse({ ...base, kind: 'session-completed', payload: { successRate: 0.8, flowAchieved: true, answers: 10, correct: 8 } }).success).toBe(true);
    expect(analyticsEventSchema.safeParse({ ...base, kind: 'session-completed', payload: { successRate: 2, flowAchieved: true, answers: 10, correct: 8 } }).success).toBe(false);
    expect(analyticsEventSchema.safeParse({ ...base, kind: 'session-teleported', payload: {} }).success).toBe(false);
    expect(base.eventId).toBe('session-completed:s1');
  });

  it('accepts only real calendar days', () => {
    expect(dayStringSchema.safeParse('2024-02-29').success).toBe(true);
    expect(dayStringSchema.safeParse('2025-02-29').success).toBe(false);
    expect(dayStringSchema.safeParse('2025-13-01').success).toBe(false);
    expect(dayStringSchema.safeParse('20250101').success).toBe(false);
  });

  it('rolls up yesterday (UTC) by default', () => {
    expect(previousUtcDay(new Date('2025-03-01T00:30:00Z'))).toBe('2025-02-28');
    expect(previousUtcDay(new Date('2025-01-01T23:59:00+05:00'))).toBe('2024-12-31');
  });

  it('bounds roll-up rates to 0..1', () => {
    const row = { day: '2025-01-01', activeLearners: 1, sessions: 1, completedSessions: 1, completionRate: 1, meanAccuracy: null, flowRate: 0.5, validationsByLevel: { Apply: 2 } };
    expect(rollupResultSchema.safeParse(row).success).toBe(true);
    expect(rollupResultSchema.safeParse({ ...row, completionRate: 1.5 }).success).toBe(false);
  });
});

describe('record-batch job ids', () => {
  const t = (id: string): DecisionTrace => ({ decisionId: id, kind: 'k', createdAt: '2025-01-01T00:00:00.000Z', inputs: {}, outputs: {}, modelVersion: 'v' });

  it('are the same for the same traces and differ for others, without the ":" BullMQ reserves', () => {
    const a = traceBatchJobId([t('a'), t('b')]);
    expect(traceBatchJobId([t('a'), t('b')])).toBe(a);
    expect(traceBatchJobId([t('a'), t('c')])).not.toBe(a);
    expect(traceBatchJobId([t('ab')])).not.toBe(traceBatchJobId([t('a'), t('b')]));
    expect(a).toMatch(/^traces-[0-9a-f]{40}$/);
  });
});
