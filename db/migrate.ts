import { type Kysely, Migrator, type MigrationProvider } from 'kysely';
import { migrations } from './migrations/index.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema to the newest migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const where = failed ? ` in migration ${failed.migrationName}` : '';
    throw new Error(`database migration failed${where}: ${(error as Error).message ?? String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Brings the schema to exactly `name`, up or down (restore uses it: data is loaded into the
 * schema version it was taken from, then migrated forward).
 */
export async function migrateTo(db: Kysely<any>, name: string): Promise<void> {
  if (!Object.hasOwn(migrations, name)) throw new Error(`unknown schema version ${name}: this build knows ${Object.keys(migrations).join(', ')}`);
  const { error, results } = await new Migrator({ db, provider }).migrateTo(name);
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration to ${name} failed${failed ? ` in ${failed.migrationName}` : ''}: ${(error as Error).message ?? String(error)}`);
  }
}

/** Names of the migrations applied so far, newest last; the backup manifest records it. */
export async function schemaVersion(db: Kysely<any>): Promise<string | null> {
  const migrator = new Migrator({ db, provider });
  const all = await migrator.getMigrations();
  const applied = all.filter((m) => m.executedAt);
  return applied.at(-1)?.name ?? null;
}
