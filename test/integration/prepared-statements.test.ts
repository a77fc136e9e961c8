import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, PREPARED, createDatabase } from '../../db/database.js';
import { createTestDatabase } from '../support/test-system.js';

// Statements starting with PREPARED run as named prepared statements (parsed once per connection,
// planned once when a generic plan does): the hot batch statements of the feedback loop and the
// validation batcher use it. Every other statement stays an unnamed one-shot statement.
let db: Db;

beforeAll(async () => {
  db = createDatabase({ url: await createTestDatabase('prepared-statements'), poolSize: 1 });
});
afterAll(async () => {
  await db?.destroy();
});

const preparedOnThisConnection = async () =>
  (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements ORDER BY prepare_time`.execute(db)).rows.map((r) => r.statement);

describe('PREPARED statements', () => {
  it('are prepared once per connection and reused with new parameters; unmarked ones are not prepared', async () => {
    const marked = (n: number) => sql<{ doubled: number }>`${PREPARED} SELECT (${n}::int * 2) AS doubled`.execute(db);
    expect((await marked(2)).rows).toEqual([{ doubled: 4 }]);
    expect((await marked(21)).rows).toEqual([{ doubled: 42 }]);
    await sql`SELECT ${1}::int AS unmarked`.execute(db);
    const statements = await preparedOnThisConnection();
    expect(statements).toEqual(['/* prepared */ SELECT ($1::int * 2) AS doubled']);
  });

  it('work inside a transaction and with a different text under the same mark', async () => {
    const rows = await db.transaction().execute(async (trx) => {
      const a = await sql<{ s: string }>`${PREPARED} SELECT ${'a'}::text || 'x' AS s`.execute(trx);
      const b = await sql<{ s: string }>`${PREPARED} SELECT ${'b'}::text || 'y' AS s`.execute(trx);
      return [...a.rows, ...b.rows];
    });
    expect(rows).toEqual([{ s: 'ax' }, { s: 'by' }]);
    expect(await preparedOnThisConnection()).toHaveLength(3);
  });
});
