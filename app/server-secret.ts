import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The password of a server learnloop starts itself (embedded PostgreSQL's superuser, the local
 * redis-server's `requirepass`): generated once per data directory and kept beside the data in a
 * file only the service user can read (0600), so a restart, or another learnloop process attaching
 * to the same DATA_DIR, uses the same one. Never a fixed password: anyone who can reach the port
 * would otherwise own the data.
 */
export function readOrCreateSecret(file: string): string {
  const existing = readSecret(file);
  if (existing) return existing;
  const secret = newSecret();
  writeSecret(file, secret);
  return secret;
}

/** Hex: safe inside URLs, config files and command lines without quoting. */
export const newSecret = () => randomBytes(24).toString('hex');

export function readSecret(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

export function writeSecret(file: string, secret: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // a file that existed keeps its mode otherwise
}
