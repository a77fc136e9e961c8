import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { requestLogging } from '../../../dashboard/middleware/request-logging.js';
import { createLogger } from '../../../observability/logger.js';

/**
 * Access lines above info: no logger built for a request that logs nothing, and the 4xx/5xx lines
 * the level lets through keep pino-http's shape (requestId, req, route, res, responseTime).
 */
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function serve(level: string) {
  const lines: Record<string, any>[] = [];
  const logger = createLogger(level, {}, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const app = express();
  app.use(requestLogging(logger));
  app.get('/api/things/:id', (req, res) => {
    if (req.params.id === 'noisy') req.log.error('route line');
    res.status(req.params.id === 'missing' ? 404 : 200).json({ id: req.id });
  });
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines };
}

describe('request logging above info', () => {
  it('writes 4xx lines at warn with the request id and route, nothing for a 2xx, and req.log on demand', async () => {
    const { url, lines } = await serve('warn');
    const ok = await fetch(`${url}/api/things/a`, { headers: { 'x-request-id': 'req-ok-1' } });
    expect(ok.headers.get('x-request-id')).toBe('req-ok-1');
    expect(await ok.json()).toEqual({ id: 'req-ok-1' });
    const missing = await fetch(`${url}/api/things/missing`, { headers: { 'x-request-id': 'req-404-1' } });
    expect(missing.status).toBe(404);
    await fetch(`${url}/api/things/noisy`, { headers: { 'x-request-id': 'bad id with spaces' } });
    await expect.poll(() => lines.length).toBe(2);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'request completed', requestId: 'req-404-1', route: '/api/things/:id', res: { statusCode: 404 }, req: { method: 'GET', url: '/api/things/…' } });
    expect(lines[0]!.responseTime).toEqual(expect.any(Number));
    // A route's own line carries the (generated, since the client's was not sane) request id.
    expect(lines[1]).toMatchObject({ level: 50, msg: 'route line', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('writes nothing at error level for a 4xx', async () => {
    const { url, lines } = await serve('error');
    expect((await fetch(`${url}/api/things/missing`)).status).toBe(404);
    expect((await fetch(`${url}/api/things/a`)).status).toBe(200);
    expect(lines).toEqual([]);
  });
});
