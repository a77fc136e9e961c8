import type { Db } from '../database.js';
import { isLearnerErased } from './learner-erasure.js';
import { learnerPseudonym } from './pseudonyms.js';

export interface AuditEntry {
  /** Who: an API key id (`key:<12 hex>`), 'cli', 'scheduler' or 'system'. */
  actor: string;
  /** What, dotted and stable: 'gdpr.export.requested', 'backup.restored', … */
  action: string;
  /** On what: a learner id, a backup id… */
  target?: string | null;
  ip?: string | null;
  details?: Record<string, unknown> | null;
  /** Default: the database clock. */
  at?: Date;
}

/**
 * Appends one entry to the audit log. The log holds no personal data beyond the learner id in
 * `target`, and that only until the learner is erased: then it is replaced by a keyed pseudonym
 * (db/queries/pseudonyms.ts). The entries are kept, as the record that the erasure happened.
 */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  // An erased learner is named by their pseudonym, also in entries written after the erasure (the
  // erasure request's own entry, the erase job's completion).
  const target = entry.target && (await isLearnerErased(db, entry.target)) ? await learnerPseudonym(db, entry.target) : entry.target;
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor.slice(0, 200),
      action: entry.action.slice(0, 100),
      target: target?.slice(0, 200) ?? null,
      ip: entry.ip?.slice(0, 64) ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
      ...(entry.at ? { at: entry.at } : {}),
    })
    .execute();
}

/** Newest first; for the operator and for tests. */
export async function listAudit(db: Db, options: { target?: string; action?: string; limit?: number } = {}) {
  let query = db.selectFrom('audit_log').selectAll();
  if (options.target !== undefined) query = query.where('target', '=', options.target);
  if (options.action !== undefined) query = query.where('action', '=', options.action);
  return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit ?? 100).execute();
}
