import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { schedules } from '../../pipelines/schedulers.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

const prefix = `t-sched-${randomUUID().slice(0, 8)}`;
let last: TestSystem | undefined;
afterAll(async () => {
  await last?.close();
});

/** Starts the system with the schedulers on, on the same queue prefix every time. */
const start = (env: Record<string, string> = {}) =>
  startTestSystem('schedulers', { roles: { workers: [], ingress: false, schedulers: true }, env: { QUEUE_PREFIX: prefix, ...env } });

describe('job schedulers', () => {
  it('exist exactly once after several restarts, with one pending job each, and follow a changed cron', async () => {
    for (let i = 0; i < 3; i++) await (await start()).close();
    last = await start({ CRON_BACKUP: '5 1 * * *', SCHEDULER_TZ: 'Europe/Paris' });

    const expected = schedules(last.config);
    expect(expected.map((e) => e.id)).toEqual(
      expect.arrayContaining(['retention-sweep', 'analytics-rollup', 'backup', 'backup-verify', 'backup-prune']),
    );
    for (const queueName of new Set(expected.map((e) => e.queue))) {
      const queue = last.services.producer.queue(queueName);
      const found = await queue.getJobSchedulers(0, -1);
      const ids = found.map((s) => s.key).sort();
      expect(ids, queueName).toEqual(expected.filter((e) => e.queue === queueName).map((e) => e.id).sort());
      // One upcoming job per scheduler, however many times it was registered.
      // (An `every` scheduler's first job waits at once; a cron one's is delayed until its time.)
      const pending = await queue.getJobs(['delayed', 'waiting', 'prioritized'], 0, -1);
      for (const id of ids) expect(pending.filter((j) => j.repeatJobKey === id), id).toHaveLength(1);
    }
    const backups = await last.services.producer.queue('backups').getJobScheduler('backup');
    expect(backups).toMatchObject({ pattern: '5 1 * * *', tz: 'Europe/Paris', name: 'backup' });
    const sweep = await last.services.producer.queue('retention-cleanup').getJobScheduler('retention-sweep');
    expect(sweep).toMatchObject({ pattern: '15 2 * * *', name: 'sweep' });
  });
});
