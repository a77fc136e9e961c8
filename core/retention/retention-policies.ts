/**
 * The retention policies (README, "Retention, GDPR and backups") as data. The sweep (db/retention/sweep-retention.ts) reads
 * this table; nothing else hard-codes a retention window.
 *
 * A window is a whole number of days measured back from the sweep's `asOf` instant: the cutoff is
 * `asOf − days × 86 400 s`. A row whose time is at or after the cutoff is inside its window and is
 * never touched; a row strictly before it is expired. "2 years" is taken as 730 days (no calendar
 * arithmetic, so a policy's cutoff never depends on leap years or the time zone).
 */

export type RetentionAction =
  /** Delete expired rows in small batches. */
  | 'delete'
  /** Copy expired rows to `archiveTable` and delete them, in one statement per batch. */
  | 'archive'
  /** Drop whole expired monthly partitions, then delete the remaining expired rows in batches. */
  | 'drop-partitions'
  /** Hard-delete every row of learners erased before the cutoff, in every table. */
  | 'purge-erased-learners';

export interface RetentionPolicy {
  id: string;
  description: string;
  table: string;
  /** The column compared with the cutoff; `date` columns hold UTC days. */
  column: string;
  columnKind: 'timestamptz' | 'date';
  days: number;
  action: RetentionAction;
  archiveTable?: string;
}

const DAY_MS = 86_400_000;

export const retentionPolicies: readonly RetentionPolicy[] = [
  { id: 'sessions', description: 'sessions 30 days', table: 'sessions', column: 'created_at', columnKind: 'timestamptz', days: 30, action: 'delete' },
  // A session's answers and the feedback loop's record of applying them are part of the session:
  // they follow its 30 days (the learner model keeps what was learned from them).
  { id: 'session-answers', description: 'session answers 30 days, like their sessions', table: 'attempts', column: 'created_at', columnKind: 'timestamptz', days: 30, action: 'delete' },
  {
    id: 'feedback-applications',
    description: 'applied-results records 30 days, like their sessions',
    table: 'feedback_applications',
    column: 'created_at',
    columnKind: 'timestamptz',
    days: 30,
    action: 'delete',
  },
  {
    id: 'raw-analytics',
    description: 'raw analytics 90 days, then archived',
    table: 'analytics_events',
    column: 'occurred_at',
    columnKind: 'timestamptz',
    days: 90,
    action: 'archive',
    archiveTable: 'analytics_events_archive',
  },
  { id: 'aggregated-analytics', description: 'daily roll-ups 2 years (730 days)', table: 'analytics_daily', column: 'day', columnKind: 'date', days: 730, action: 'delete' },
  { id: 'decision-insights', description: 'decision traces 90 days', table: 'decision_insights', column: 'created_at', columnKind: 'timestamptz', days: 90, action: 'drop-partitions' },
  {
    id: 'erased-learners',
    description: 'erased learners hard-deleted 30 days after erasure',
    table: 'learners',
    column: 'deleted_at',
    columnKind: 'timestamptz',
    days: 30,
    action: 'purge-erased-learners',
  },
];

/** Files, not rows: backups (pruned by backups/prune) and GDPR export bundles (by the sweep). */
export const fileRetentionDays = { backups: 30, exports: 7 } as const;

/** The grace period between erasure and hard delete; the erase job reports it to the operator. */
export const erasureGraceDays = retentionPolicies.find((p) => p.action === 'purge-erased-learners')!.days;

/** When an erased learner becomes due for the hard delete: erasure + grace period. */
export function purgeDueAt(erasedAt: Date): Date {
  return new Date(erasedAt.getTime() + erasureGraceDays * DAY_MS);
}

/** The instant before which a row is expired: `asOf − days`. */
export function retentionCutoff(asOf: Date, days: number): Date {
  return new Date(asOf.getTime() - days * DAY_MS);
}

/**
 * For a `date` column holding UTC days: the first day that is kept. A day counts from its UTC
 * midnight, so day D is expired when D 00:00Z < cutoff — the same rule as a timestamp column.
 */
export function firstKeptDay(cutoff: Date): string {
  const midnight = Date.UTC(cutoff.getUTCFullYear(), cutoff.getUTCMonth(), cutoff.getUTCDate());
  const first = midnight < cutoff.getTime() ? midnight + DAY_MS : midnight;
  return new Date(first).toISOString().slice(0, 10);
}
