import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiKey, Config } from '../core/config/config-schema.js';

/**
 * With API_KEYS unset (local `npm start`), one random operator key, kept in DATA_DIR/dev-api-key
 * (mode 0600) so it survives restarts of the same checkout. Printed at start-up; never used when
 * API_KEYS is set.
 */
export function developmentKeys(config: Config): ApiKey[] {
  const file = join(config.DATA_DIR, 'dev-api-key');
  if (!existsSync(file)) {
    mkdirSync(config.DATA_DIR, { recursive: true });
    writeFileSync(file, `dev-${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  }
  return [{ scope: 'operator', key: readFileSync(file, 'utf8').trim() }];
}
