import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/logger.js';
import { scheduleHash, schedules } from '../../pipelines/schedulers.js';
import { type TestSystem, createTestDatabase, startTestSystem, testQueuePrefix } from '../support/test-system.js';

const prefix = testQueuePrefix('sched');
let last: TestSystem | undefined;
afterAll(async () => {
  await last?.close();
});

let databaseUrl: string | undefined;

/** Starts the system with the schedulers on, on the same queue prefix and database every time. */
const start = async (env: Record<string, string> = {}, logger?: ReturnType<typeof createLogger>) => {
  databaseUrl ??= await createTestDatabase('schedulers');
  return startTestSystem('schedulers', { roles: { workers: [], ingress: false, schedulers: true }, env: { QUEUE_PREFIX: prefix, ...env }, logger, databaseUrl });
};

/** A logger whose JSON lines the test can read. */
function capturingLogger() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('info', {}, stream) };
}

describe('job schedulers', () => {
  it('exist exactly once after several restarts, with one pending job each, and follow a changed cron', async () => {
    for (let i = 0; i < 3; i++) await (await start()).close();
    // A changed schedule comes with a higher SCHEDULES_VERSION.
    last = await start({ CRON_BACKUP: '5 1 * * *', SCHEDULER_TZ: 'Europe/Paris', SCHEDULES_VERSION: '2' });

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

  it('keeps the stored schedules when a process with other schedules and no higher version starts, and says so', async () => {
    // The first test left version 2 stored: backups at 01:05 Paris time.
    const stored = await last!.query<{ version: number; hash: string }>('SELECT version, hash FROM job_schedules WHERE queue_prefix = $1', [prefix]);
    expect(stored).toEqual([{ version: 2, hash: scheduleHash(schedules(last!.config)) }]);
    await last!.close();

    // A stale process (the old default schedule, version 1) and a misconfigured one (version 2, another cron).
    const envs: Record<string, string>[] = [{}, { CRON_BACKUP: '0 23 * * *', SCHEDULER_TZ: 'Europe/Paris', SCHEDULES_VERSION: '2' }];
    for (const env of envs) {
      const { lines, logger } = capturingLogger();
      last = await start(env, logger);
      const warning = lines.find((l) => l.level === 40 && /job schedules of this process differ from the stored ones/.test(l.msg));
      expect(warning, JSON.stringify(lines)).toMatchObject({ stored: { version: 2, hash: stored[0]!.hash }, ours: { version: Number(env.SCHEDULES_VERSION ?? 1) } });
      expect(await last.services.producer.queue('backups').getJobScheduler('backup')).toMatchObject({ pattern: '5 1 * * *', tz: 'Europe/Paris' });
      expect(await last.query('SELECT version, hash FROM job_schedules WHERE queue_prefix = $1', [prefix])).toEqual(stored);
      await last.close();
    }

    // After a Redis flush of the schedulers, even the stale process puts the stored ones back.
    const flushed = await start();
    await flushed.services.producer.queue('backups').removeJobScheduler('backup');
    expect(await flushed.services.producer.queue('backups').getJobScheduler('backup')).toBeUndefined();
    await flushed.close();
    last = await start();
    expect(await last.services.producer.queue('backups').getJobScheduler('backup')).toMatchObject({ pattern: '5 1 * * *', tz: 'Europe/Paris' });
    await last.close();

    // A higher version takes over.
    const { lines, logger } = capturingLogger();
    last = await start({ CRON_BACKUP: '45 2 * * *', SCHEDULES_VERSION: '3' }, logger);
    expect(lines.some((l) => l.msg === 'job schedules updated')).toBe(true);
    expect(await last.services.producer.queue('backups').getJobScheduler('backup')).toMatchObject({ pattern: '45 2 * * *', tz: 'UTC' });
    expect(await last.query('SELECT version FROM job_schedules WHERE queue_prefix = $1', [prefix])).toEqual([{ version: 3 }]);
  });
});
