import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../db/queries/audit-log.js';
import { learnerPseudonym, pseudonymiseAuditLog } from '../../db/queries/pseudonyms.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

// Found by `npm run fuzz -- --runs 500 --seed 7`: erasing learner `8` rewrote every "8" in the audit
// details' JSON text, numbers included ("status": 202 → "status": 20erased-…), and the erase job
// failed for ever with "invalid input syntax for type json".
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem('audit-pseudonyms', { roles: { workers: [] } });
});
afterAll(async () => {
  await system?.close();
});

describe('pseudonymising the audit log', () => {
  it('keeps the details valid JSON for a one-digit id, and touches only that learner', async () => {
    const db = system.services.db;
    await recordAudit(db, { actor: 'operator', action: 'gdpr.erase', target: '8', details: { status: 202, requestId: 'req-812', jobId: 'gdpr-erase-8' } });
    await recordAudit(db, { actor: 'operator', action: 'gdpr.erase', target: '81', details: { status: 208, user: '81' } });
    expect(await pseudonymiseAuditLog(db, '8')).toBe(1);
    const pseudonym = await learnerPseudonym(db, '8');
    const rows = await system.query<{ target: string; details: any }>('SELECT target, details FROM audit_log ORDER BY id');
    expect(rows).toEqual([
      { target: pseudonym, details: { status: 202, requestId: 'req-812', jobId: `gdpr-erase-${pseudonym}` } },
      { target: '81', details: { status: 208, user: '81' } },
    ]);
    // Idempotent.
    expect(await pseudonymiseAuditLog(db, '8')).toBe(0);
  });
});
