import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Deletes export bundles (and leftover temporary files) last written before `cutoff`, and the
 * learner directories left empty. Bundles are personal data: they are kept only long enough for
 * the operator to hand them over. Returns how many files it removed.
 */
export async function pruneExports(exportDir: string, cutoff: Date): Promise<number> {
  let removed = 0;
  let learnerDirs: string[];
  try {
    learnerDirs = (await readdir(exportDir, { withFileTypes: true })).filter((d) => d.isDirectory() && d.name.startsWith('u-')).map((d) => d.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const name of learnerDirs) {
    const dir = join(exportDir, name);
    const files = await readdir(dir);
    let left = files.length;
    for (const file of files) {
      const info = await stat(join(dir, file));
      if (info.isFile() && info.mtimeMs < cutoff.getTime()) {
        await rm(join(dir, file), { force: true });
        removed += 1;
        left -= 1;
      }
    }
    if (left === 0) await rm(dir, { recursive: true, force: true });
  }
  return removed;
}
