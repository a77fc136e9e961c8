import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets, redactString } from '../../../observability/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger('info', {}, stream) };
}

const password = 'pa55-w0rd-s3cr3t';
const bearer = 'producer-key-abcdef0123456789';

describe('log redaction', () => {
  it('a URL with a password and an Authorization header never reach the output', async () => {
    const { lines, logger } = capture();
    logger.info({ url: `postgres://learnloop:${password}@db:5432/learnloop`, target: `redis://:${password}@cache:6379/0` }, 'connecting');
    logger.info({ req: { method: 'GET', headers: { authorization: `Bearer ${bearer}`, Cookie: `sid=${password}` } } }, 'request');
    logger.info({ headers: { Authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` } }, 'basic');
    logger.warn(`retrying against https://user:${password}@hooks.example.com/x with Bearer ${bearer}`);
    logger.child({ upstream: `amqp://guest:${password}@mq/` }).info('child binding');
    logger.error({ err: new Error(`connect failed for postgres://app:${password}@10.0.0.5/db`) }, 'failed');
    logger.info({ nested: { deeper: [{ apiKey: bearer, password, token: bearer, note: 'kept' }] } }, 'nested');
    await new Promise((r) => setImmediate(r));

    const output = lines.join('\n');
    expect(lines).toHaveLength(7);
    expect(output).not.toContain(password);
    expect(output).not.toContain(bearer);
    expect(output).not.toContain(Buffer.from(`ops:${password}`).toString('base64'));
    // What is not secret stays readable.
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed[0].url).toBe('postgres://learnloop:[redacted]@db:5432/learnloop');
    expect(parsed[1].req.method).toBe('GET');
    expect(parsed[1].req.headers.authorization).toBe('[redacted]');
    expect(parsed[3].msg).toContain('hooks.example.com');
    expect(parsed[5].err.message).toContain('10.0.0.5');
    expect(parsed[6].nested.deeper[0].note).toBe('kept');
    expect(parsed[4].upstream).toBe('amqp://guest:[redacted]@mq/');
    expect(redactSecrets({ databaseUrl: 'x', DATABASE_URL: 'y' })).toEqual({ databaseUrl: '[redacted]', DATABASE_URL: '[redacted]' });
  });

  it('leaves objects without secrets untouched (no copy)', () => {
    const obj = { queue: 'backups', counts: [1, 2], url: 'http://example.com/a' };
    expect(redactSecrets(obj)).toBe(obj);
    expect(redactString('plain text')).toBe('plain text');
  });
});
