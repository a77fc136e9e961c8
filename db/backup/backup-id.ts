import { randomBytes } from 'node:crypto';

/** `bk-20250101T030000Z-1a2b3c`: sorts by time, safe in URLs, job ids and file names. */
export function newBackupId(at: Date, suffix = randomBytes(3).toString('hex')): string {
  return `bk-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}-${suffix}`;
}
