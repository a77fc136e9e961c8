import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './identifiers.js';

/** Payloads and results of the scheduled and operator-triggered maintenance jobs. */

export const sweepPayloadSchema = z.object({
  /** Evaluate the retention windows as of this instant (tests and replays); default: now. */
  asOf: isoDateTimeSchema.optional(),
});
export const sweepResultSchema = z.object({ deleted: z.record(z.string(), z.number()), archived: z.record(z.string(), z.number()) });

export const gdprPayloadSchema = z.object({ userId: idSchema, requestedBy: z.string().max(200).optional() });
export const gdprExportResultSchema = z.object({ userId: idSchema, path: z.string(), bytes: z.number() });
export const gdprEraseResultSchema = z.object({ userId: idSchema, erasedAt: z.string(), hardDeleteAfter: z.string() });

export const rollupPayloadSchema = z.object({
  /** The UTC day to roll up (YYYY-MM-DD); default: yesterday. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
});
export const rollupResultSchema = z.object({ day: z.string() }).passthrough();

export const backupPayloadSchema = z.object({ reason: z.string().max(200).optional(), requestedBy: z.string().max(200).optional() });
export const backupResultSchema = z.object({ backupId: z.string(), path: z.string(), tables: z.number(), bytes: z.number() });
export const verifyBackupPayloadSchema = z.object({ backupId: z.string().max(100).optional() });
export const verifyBackupResultSchema = z.object({ backupId: z.string(), ok: z.boolean(), problems: z.array(z.string()) });
export const pruneBackupsPayloadSchema = z.object({ keepDays: z.number().int().positive().optional() });
export const pruneBackupsResultSchema = z.object({ removed: z.array(z.string()) });

export const evaluateAlertsPayloadSchema = z.object({});
export const evaluateAlertsResultSchema = z.object({ firing: z.array(z.string()), resolved: z.array(z.string()) });
