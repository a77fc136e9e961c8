import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit-log.js';
import { learnerPseudonym } from '../../db/queries/pseudonyms.js';
import { finishedJob } from '../support/finished-job.js';
import { learnerRowCounts, seedLearner } from '../support/learner-rows.js';
import { type TestSystem, operatorKey, startTestSystem } from '../support/test-system.js';

const now = new Date('2025-06-15T12:00:00.000Z');
const DAY = 86_400_000;
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem('gdpr', {
    roles: { workers: ['retention-cleanup'], ingress: true, schedulers: false },
    now: () => now,
  });
  // Seeded at `now`: their sessions and answers stay inside their own 30-day window until the
  // erasure's grace period ends, so what the purge removes is told apart from ordinary retention.
  await seedLearner(system.services.db, 'alice', { at: now });
  await seedLearner(system.services.db, 'bob', { at: now });
});
afterAll(async () => {
  await system?.close();
});

const operator = { key: operatorKey };
const queue = () => system.services.producer.queue('retention-cleanup');

async function sweepAt(asOf: Date) {
  const jobId = await system.services.producer.send('retention-cleanup', 'sweep', { asOf: asOf.toISOString() });
  const done = await finishedJob(queue(), jobId);
  expect(done.state).toBe('completed');
  return done.result;
}

describe('GDPR export', () => {
  it('is for operators only', async () => {
    expect((await system.request('/api/users/alice/export', { method: 'POST' })).status).toBe(403);
    expect((await system.request('/api/users/alice/export', { method: 'POST', key: null })).status).toBe(401);
    expect((await system.request('/api/users/bad%20id/export', { method: 'POST', ...operator })).status).toBe(400);
  });

  it('bundles everything held about the learner, and nothing about anyone else', async () => {
    const res = await system.request('/api/users/alice/export?wait=20000', { method: 'POST', ...operator });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as any;
    expect(result).toMatchObject({ userId: 'alice', downloadUrl: `/api/users/alice/export/${result.exportId}` });
    // Kept in Postgres (any ingress serves it) for 7 days.
    expect(result.expiresAt).toBe(new Date(now.getTime() + 7 * DAY).toISOString());

    const download = await system.request(result.downloadUrl, operator);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('attachment');
    const bundle = (await download.json()) as any;
    expect(bundle.learner).toMatchObject({ user_id: 'alice', state: { note: 'state of alice' } });
    const held = await learnerRowCounts(system.services.db, 'alice');
    // Every table with a user_id is in the bundle (tables added later too), with all her rows.
    for (const [table, count] of Object.entries(held)) {
      if (table === 'learners') continue;
      expect(bundle.tables[table], table).toHaveLength(count);
    }
    for (const table of ['review_states', 'sessions', 'attempts', 'decision_insights', 'analytics_events', 'analytics_events_archive', 'learning_plans']) {
      expect(bundle.tables[table].length, table).toBeGreaterThan(0);
    }
    expect(JSON.stringify(bundle)).not.toContain('bob');
    expect(Number(download.headers.get('content-length'))).toBe(result.bytes);

    // A producer key may not download; an unknown export is a 404.
    expect((await system.request(result.downloadUrl)).status).toBe(403);
    expect((await system.request('/api/users/alice/export/nope', operator)).status).toBe(404);
    // Found by `npm run fuzz -- --runs 2000 --seed 61`: an export id naming one of BullMQ's own keys
    // (the id counter, made by a job added without an id; the events stream) was read as a job: 500.
    const counted = await queue().add('sweep', { asOf: now.toISOString() }, { delay: DAY });
    for (const reserved of ['id', 'events', 'meta']) {
      const res = await system.request(`/api/users/alice/export/${reserved}`, operator);
      expect(res.status, reserved).toBe(404);
      expect((await system.request(`/api/jobs/retention-cleanup/${reserved}`, operator)).status, reserved).toBe(404);
    }
    await counted.remove();

    const audit = await listAudit(system.services.db, { target: 'alice' });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['gdpr.export.completed', 'gdpr.export.downloaded']));
  });
});

describe('GDPR erasure', () => {
  it('makes the learner vanish from every endpoint at once, and from every table after the grace period', async () => {
    // Before: alice's insights are served, and her last export can be fetched.
    expect((await system.request('/api/users/alice/insights')).status).toBe(200);
    const exported = (await (await system.request('/api/users/alice/export?wait=20000', { method: 'POST', ...operator })).json()) as any;
    expect((await system.request(exported.result.downloadUrl, operator)).status).toBe(200);

    expect((await system.request('/api/users/alice', { method: 'DELETE' })).status).toBe(403);
    const erase = await system.request('/api/users/alice', { method: 'DELETE', ...operator });
    expect(erase.status).toBe(202);
    const { jobId } = (await erase.json()) as any;

    // At once — before the erase job has necessarily run.
    for (const path of ['/api/users/alice/insights', '/api/users/alice/profile']) {
      const res = await system.request(path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as any).error.message).toContain('erased');
    }
    expect((await system.request(exported.result.downloadUrl, operator)).status).toBe(404);
    expect((await system.request('/api/users/alice/export', { method: 'POST', ...operator })).status).toBe(404);
    const generate = await system.request('/api/sessions/generate', { method: 'POST', json: { userId: 'alice' } });
    expect(generate.status).toBe(404);
    // Bob is untouched.
    expect((await system.request('/api/users/bob/insights')).status).toBe(200);

    const done = await finishedJob(queue(), jobId);
    expect(done.state).toBe('completed');
    expect(done.result).toEqual({ userId: 'alice', erasedAt: now.toISOString(), hardDeleteAfter: new Date(now.getTime() + 30 * DAY).toISOString() });
    expect(await system.query(`SELECT 1 FROM learner_exports WHERE learner_id = 'alice'`)).toEqual([]); // her export bundles are gone

    // Anonymised at once; the rest of her rows wait for the grace period.
    const learner = await system.services.db.selectFrom('learners').selectAll().where('user_id', '=', 'alice').executeTakeFirstOrThrow();
    expect(learner.state).toEqual({});
    expect(learner.deleted_at).toEqual(now);

    // Erasing again is harmless and answers with the same job.
    const again = await system.request('/api/users/alice', { method: 'DELETE', ...operator });
    expect(again.status).toBe(202);
    expect(((await again.json()) as any).jobId).toBe(jobId);

    // One second before the grace period ends: nothing is purged.
    const early = await sweepAt(new Date(now.getTime() + 30 * DAY - 1_000));
    expect(early.purgedLearners).toBe(0);
    expect((await learnerRowCounts(system.services.db, 'alice')).attempts).toBe(2);

    // One second after: every row of alice in every table is gone; bob keeps all of his.
    const bobBefore = await learnerRowCounts(system.services.db, 'bob');
    const late = await sweepAt(new Date(now.getTime() + 30 * DAY + 1_000));
    expect(late.purgedLearners).toBe(1);
    const aliceAfter = await learnerRowCounts(system.services.db, 'alice');
    expect(Object.keys(aliceAfter).length).toBeGreaterThanOrEqual(8);
    expect(Object.entries(aliceAfter).filter(([, n]) => n > 0)).toEqual([]);
    // (bob's session and its answers are now past their own 30-day window: those rows may go by
    // ordinary retention; everything else of bob's stays)
    const bobAfter = await learnerRowCounts(system.services.db, 'bob');
    expect({ ...bobAfter, sessions: bobBefore.sessions, attempts: bobBefore.attempts }).toEqual(bobBefore);

    // The erasure ledger outlives the hard delete: a restore re-applies it (backup-restore.test.ts).
    const ledger = await system.query(`SELECT learner_id, erased_at FROM erasure_ledger`);
    expect(ledger).toEqual([{ learner_id: 'alice', erased_at: now }]);

    // Her audit entries are kept, under her pseudonym (a keyed hash), never her id.
    expect(await listAudit(system.services.db, { target: 'alice' })).toEqual([]);
    const audit = await listAudit(system.services.db, { target: await learnerPseudonym(system.services.db, 'alice') });
    expect(audit.map((a) => a.action)).toContain('gdpr.erase.completed');
  });
});
