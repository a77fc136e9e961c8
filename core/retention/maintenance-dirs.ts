import { join, resolve } from 'node:path';
import type { Config } from '../config/config-schema.js';

/** Where the directory backup store keeps backups: configured, or beside the data under DATA_DIR. */
export function maintenanceDirs(config: Pick<Config, 'DATA_DIR' | 'BACKUP_DIR'>) {
  return {
    backups: resolve(config.BACKUP_DIR ?? join(config.DATA_DIR, 'backups')),
  };
}
