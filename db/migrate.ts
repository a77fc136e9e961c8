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

/** Names of the migrations applied so far, newest last; the backup manifest records it. */
export async function schemaVersion(db: Kysely<any>): Promise<string | null> {
  const migrator = new Migrator({ db, provider });
  const all = await migrator.getMigrations();
  const applied = all.filter((m) => m.executedAt);
  return applied.at(-1)?.name ?? null;
}
