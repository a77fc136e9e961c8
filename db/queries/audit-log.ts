import type { Db } from '../database.js';

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
 * Appends one entry to the audit log. The log is append-only and holds no personal data beyond the
 * learner id in `target`; it is kept when a learner is purged, as the record that the erasure
 * happened (it is the controller's evidence, not the learner's data).
 */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor.slice(0, 200),
      action: entry.action.slice(0, 100),
      target: entry.target?.slice(0, 200) ?? null,
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
