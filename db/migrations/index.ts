import type { Migration } from 'kysely';
import * as foundation from './0001_foundation.js';

/**
 * Every migration, in order. A static list rather than a folder scan, so the compiled build and
 * the TypeScript sources behave the same. Add new files here with the next number.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
};
