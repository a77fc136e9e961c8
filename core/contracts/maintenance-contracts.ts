import { z } from 'zod';
import { idSchema, isoDateTimeSchema, storableText } from './identifiers.js';

/** Payloads and results of the scheduled and operator-triggered maintenance jobs. */

export const sweepPayloadSchema = z.object({
  /** Evaluate the retention windows as of this instant (tests and replays); default: now. */
  asOf: isoDateTimeSchema.optional(),
});
/** Counts per table; `deleted` includes rows of erased learners and of dropped partitions' tables. */
export const sweepResultSchema = z.object({
  asOf: z.string(),
  deleted: z.record(z.string(), z.number()),
  archived: z.record(z.string(), z.number()),
  droppedPartitions: z.array(z.string()),
  purgedLearners: z.number().int().nonnegative(),
  exportsRemoved: z.number().int().nonnegative(),
});

/** `requestedBy`: who asked (API key id, 'cli', 'scheduler'); recorded in the audit log. */
export const gdprPayloadSchema = z.object({ userId: idSchema, requestedBy: storableText().max(200).optional() });
export const gdprExportResultSchema = z.object({
  userId: idSchema,
  exportId: z.string(),
  /** The bundle is kept (in Postgres) until then. */
  expiresAt: z.string(),
  bytes: z.number(),
  /** Operator download: GET /api/users/:userId/export/:exportId */
  downloadUrl: z.string(),
  rows: z.record(z.string(), z.number()),
});
export const gdprEraseResultSchema = z.object({ userId: idSchema, erasedAt: z.string(), hardDeleteAfter: z.string() });

/** A calendar day as YYYY-MM-DD that exists (2025-02-30 is refused) and a Postgres `date` holds (not year 0000). */
export const dayStringSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a calendar date')
  .refine((d) => !d.startsWith('0000'), 'must fall in the years 0001–9999');

export const rollupPayloadSchema = z.object({
  /** The UTC day to roll up (YYYY-MM-DD); default: yesterday. */
  day: dayStringSchema.optional(),
});
/** One row of analytics_daily (definitions in db/queries/analytics.ts, `rollupDay`). */
export const rollupResultSchema = z.object({
  day: z.string(),
  activeLearners: z.number().int().nonnegative(),
  sessions: z.number().int().nonnegative(),
  completedSessions: z.number().int().nonnegative(),
  completionRate: z.number().min(0).max(1),
  meanAccuracy: z.number().min(0).max(1).nullable(),
  flowRate: z.number().min(0).max(1).nullable(),
  validationsByLevel: z.record(z.string(), z.number().int().nonnegative()),
  /** Predicted vs observed success of the day's answers (core/metrics/calibration.ts); absent without predictions. */
  calibration: z
    .object({
      day: z.string().optional(),
      n: z.number().int().nonnegative(),
      observed: z.number().nullable(),
      meanPredicted: z.number().nullable(),
      logLoss: z.number().nullable(),
      brier: z.number().nullable(),
      ece: z.number().nullable(),
      auc: z.number().nullable(),
    })
    .optional(),
});
export type DailyRollup = z.infer<typeof rollupResultSchema>;

export const backupPayloadSchema = z.object({ reason: storableText().max(200).optional(), requestedBy: storableText().max(200).optional() });
export const backupResultSchema = z.object({
  backupId: z.string(),
  path: z.string(),
  tables: z.number(),
  rows: z.number(),
  bytes: z.number(),
  schemaVersion: z.string().nullable(),
});
/** Default: the newest completed backup. */
export const verifyBackupPayloadSchema = z.object({ backupId: idSchema.optional(), requestedBy: storableText().max(200).optional() });
/** `ok: false` comes with one clear message per problem (missing file, checksum, row count…). */
export const verifyBackupResultSchema = z.object({ backupId: z.string(), ok: z.boolean(), problems: z.array(z.string()), tables: z.number() });
/** Default keepDays: BACKUP_KEEP_DAYS. */
export const pruneBackupsPayloadSchema = z.object({ keepDays: z.number().int().positive().max(3650).optional() });
export const pruneBackupsResultSchema = z.object({ removed: z.array(z.string()), keptNewestVerified: z.string().nullable() });

/** Alert evaluation takes no input: the rules come from configuration, the clock from the worker. */
export const evaluateAlertsPayloadSchema = z.object({});
export const evaluateAlertsResultSchema = z.object({
  /** Alert keys (`rule` or `rule/queue`) firing after this evaluation. */
  firing: z.array(z.string()),
  /** Alert keys that resolved in this evaluation. */
  resolved: z.array(z.string()),
  /** Alert keys that began firing in this evaluation. */
  fired: z.array(z.string()).optional(),
  /** Alert keys breaching but not yet for their rule's duration. */
  pending: z.array(z.string()).optional(),
  notifications: z.object({ delivered: z.number(), failed: z.number(), dropped: z.number(), disabled: z.number() }).optional(),
  /** True when another evaluation held the lock and this one did nothing. */
  skipped: z.boolean().optional(),
});
