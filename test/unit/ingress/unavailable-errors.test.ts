import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../../app/free-port.js';
import { isDatabaseUnavailable } from '../../../db/database.js';

/**
 * With Postgres down, the 503 named the job queue: ECONNREFUSED was taken for Redis. The error a
 * real pg pool gives for a port nobody listens on must be recognised as the database's.
 */
describe('telling a database outage from a queue outage', () => {
  it("recognises the pg pool's connection error as the database's", async () => {
    const pool = new pg.Pool({ connectionString: `postgres://nobody@127.0.0.1:${await findFreePort()}/none`, connectionTimeoutMillis: 2_000 });
    const error = await pool.query('SELECT 1').then(() => undefined, (e: Error) => e);
    await pool.end();
    expect(error).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(error!)).toBe(true);
  });

  it('does not claim a Redis connection error', () => {
    const redisError = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    redisError.stack = `Error: connect ECONNREFUSED 127.0.0.1:6379\n    at TCPConnectWrap.afterConnect (node:net:1555:16)\n    at /app/node_modules/ioredis/built/Redis.js:170:41`;
    expect(isDatabaseUnavailable(redisError)).toBe(false);
  });
});
