import { z } from 'zod';

/**
 * The manifest of a logical backup (`manifest.json` in the backup directory). It lists the table
 * files in restore order (a table after the tables it references), with the columns in the order
 * of the file, the row count and the SHA-256 of each compressed file, plus what a restore needs
 * to rebuild the database around the rows: the schema version (last migration), the partitions
 * and the sequence positions.
 */
export const manifestFormat = 'learnloop.backup/1';

export const backupManifestSchema = z.object({
  format: z.literal(manifestFormat),
  backupId: z.string(),
  createdAt: z.string(),
  schemaVersion: z.string().nullable(),
  serverVersion: z.string(),
  tables: z.array(
    z.object({
      name: z.string(),
      file: z.string().regex(/^[\w.-]+$/),
      columns: z.array(z.string()).min(1),
      rows: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
  // DANGER: `bound` is spliced into CREATE TABLE … PARTITION OF on restore (Postgres' own text of
  // the bound). Only a bound clause is accepted: no statement separator can ride along.
  partitions: z.array(z.object({ parent: z.string(), name: z.string(), bound: z.string().regex(/^(DEFAULT|FOR VALUES [^;]+)$/) })),
  sequences: z.array(z.object({ name: z.string(), lastValue: z.string().nullable() })),
});
export type BackupManifest = z.infer<typeof backupManifestSchema>;

export const manifestFileName = 'manifest.json';

/** Checks a backup's manifest text; the error says which backup (`where`) and what is wrong. */
export function parseManifest(text: string, where: string): BackupManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${manifestFileName} in ${where} is not valid JSON (corrupt or truncated)`);
  }
  const parsed = backupManifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${manifestFileName} in ${where} is not a learnloop backup manifest: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
