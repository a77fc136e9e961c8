import type { BackupSource } from './backup-store.js';
import { digestStream } from './file-digest.js';
import type { BackupManifest } from './manifest.js';

/**
 * Checks every table file of a backup against its manifest: present, same size, same SHA-256.
 * Returns one plain-language problem per bad file (empty when all are intact) and the names of the
 * tables whose files are intact.
 */
export async function checkBackupFiles(source: BackupSource, manifest: BackupManifest): Promise<{ problems: string[]; intact: Set<string> }> {
  const problems: string[] = [];
  const intact = new Set<string>();
  for (const table of manifest.tables) {
    let actual: { sha256: string; bytes: number };
    try {
      actual = await digestStream(source.open(table.file));
    } catch (error) {
      problems.push(`${table.file} (table ${table.name}): file is missing or unreadable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      continue;
    }
    if (actual.sha256 !== table.sha256) {
      problems.push(
        `${table.file} (table ${table.name}): checksum mismatch — SHA-256 is ${actual.sha256.slice(0, 16)}…, the manifest says ${table.sha256.slice(0, 16)}… ` +
          `(${actual.bytes} bytes on disk, ${table.bytes} written): the file is corrupt or was changed after the backup`,
      );
      continue;
    }
    intact.add(table.name);
  }
  return { problems, intact };
}
