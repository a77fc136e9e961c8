import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
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

/** Reads and checks a backup's manifest; the error says which backup and what is wrong. */
export async function readManifest(backupPath: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(join(backupPath, manifestFileName), 'utf8');
  } catch (error) {
    throw new Error(`${manifestFileName} is missing or unreadable in ${backupPath}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${manifestFileName} in ${backupPath} is not valid JSON (corrupt or truncated)`);
  }
  const parsed = backupManifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${manifestFileName} in ${backupPath} is not a learnloop backup manifest: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Writes the manifest durably (temporary name, fsync, rename). */
export async function writeManifest(backupPath: string, manifest: BackupManifest): Promise<void> {
  const target = join(backupPath, manifestFileName);
  const temporary = `${target}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, target);
}
