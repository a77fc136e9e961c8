import type pg from 'pg';

/** A quoted SQL identifier, for names read from the catalogue or a manifest. */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The session settings every COPY of a backup, verification or restore runs under (inside its
 * transaction), so the text form of values does not depend on the server's defaults: timestamps
 * in ISO form with their offset, floats with every digit, no statement timeout (a large table
 * takes as long as it takes).
 */
export async function setCopySession(client: pg.ClientBase): Promise<void> {
  await client.query(`SET LOCAL statement_timeout = 0; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD';
                      SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 3; SET LOCAL client_encoding = 'UTF8'`);
}
