import { join } from 'node:path';

/**
 * Where a learner's export bundles live: `<exportDir>/u-<userId>/<exportId>.json`. The `u-` prefix
 * matters: ids may be `.` or `..` (they pass idSchema), and must never name a directory above.
 */
export function exportPaths(exportDir: string, userId: string, exportId?: string) {
  const dir = join(exportDir, `u-${userId}`);
  return { dir, file: exportId === undefined ? undefined : join(dir, `${exportId}.json`) };
}
