import { join, resolve } from 'node:path';
import type { Config } from '../config/config-schema.js';

/** Where backups and GDPR export bundles live: configured, or beside the data under DATA_DIR. */
export function maintenanceDirs(config: Pick<Config, 'DATA_DIR' | 'BACKUP_DIR' | 'EXPORT_DIR'>) {
  return {
    backups: resolve(config.BACKUP_DIR ?? join(config.DATA_DIR, 'backups')),
    exports: resolve(config.EXPORT_DIR ?? join(config.DATA_DIR, 'exports')),
  };
}
