import { describe, expect, it } from 'vitest';
import { maintenanceDirs } from '../../../core/retention/maintenance-dirs.js';
import { firstKeptDay, purgeDueAt, retentionCutoff, retentionPolicies } from '../../../core/retention/retention-policies.js';

describe('retention policies', () => {
  it('carries the documented retention windows (README, "Retention, GDPR and backups")', () => {
    const days = Object.fromEntries(retentionPolicies.map((p) => [p.table, p.days]));
    expect(days).toEqual({
      sessions: 30,
      attempts: 30,
      feedback_applications: 30,
      analytics_events: 90,
      analytics_daily: 730,
      decision_insights: 90,
      learners: 30,
    });
    expect(retentionPolicies.find((p) => p.table === 'analytics_events')).toMatchObject({ action: 'archive', archiveTable: 'analytics_events_archive' });
  });

  it('puts the cutoff exactly `days` before asOf', () => {
    const asOf = new Date('2025-06-15T12:00:00.000Z');
    expect(retentionCutoff(asOf, 30).toISOString()).toBe('2025-05-16T12:00:00.000Z');
    expect(retentionCutoff(asOf, 730).toISOString()).toBe('2023-06-16T12:00:00.000Z');
  });

  it('keeps a day whose midnight is at or after the cutoff', () => {
    expect(firstKeptDay(new Date('2025-01-10T00:00:00.000Z'))).toBe('2025-01-10');
    expect(firstKeptDay(new Date('2025-01-10T00:00:00.001Z'))).toBe('2025-01-11');
    expect(firstKeptDay(new Date('2025-01-09T23:59:59.999Z'))).toBe('2025-01-10');
  });

  it('makes an erased learner due 30 days after the erasure', () => {
    expect(purgeDueAt(new Date('2025-03-01T10:00:00Z')).toISOString()).toBe('2025-03-31T10:00:00.000Z');
  });

  it('defaults the backup directory under DATA_DIR', () => {
    const dirs = maintenanceDirs({ DATA_DIR: '/srv/data', BACKUP_DIR: undefined });
    expect(dirs).toEqual({ backups: '/srv/data/backups' });
    expect(maintenanceDirs({ DATA_DIR: '/srv/data', BACKUP_DIR: '/mnt/b' })).toEqual({ backups: '/mnt/b' });
  });
});
