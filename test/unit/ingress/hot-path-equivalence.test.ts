import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedHelmetHeaders } from '../../../dashboard/create-ingress.js';
import { sendError } from '../../../dashboard/http-error.js';
import { errorHandler } from '../../../dashboard/middleware/error-handler.js';
import { inSequence } from '../../../dashboard/middleware/in-sequence.js';
import { parseBodies } from '../../../dashboard/middleware/parse-bodies.js';
import { createLogger } from '../../../observability/logger.js';

/**
 * The ingress's hot-path shortcuts answer exactly as what they stand in for: plain JSON bodies read
 * without body-parser (parse-bodies.ts) as body-parser reads them, helmet's headers worked out once
 * as helmet sets them, and app-wide middleware run as one layer (in-sequence.ts) with Express's
 * error rules.
 */
const servers: { close(): void }[] = [];
const logger = createLogger('fatal', {});

async function serve(configure: (app: express.Express) => void): Promise<string> {
  const app = express();
  configure(app);
  app.use(errorHandler(logger));
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterAll(() => {
  for (const server of servers) server.close();
});

describe('plain JSON bodies', () => {
  let url: string;
  beforeAll(async () => {
    url = await serve((app) => {
      app.use(parseBodies({ defaultLimit: 1024, rules: [] }));
      app.post('/echo', (req, res) => void res.json({ body: req.body as unknown }));
    });
  });

  // `application/json` takes the shortcut; `application/ld+json` (also accepted) goes through body-parser.
  const post = async (body: string | Buffer, type: string) => {
    const res = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': type }, body });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  const bodies: [string, string | Buffer][] = [
    ['an object', '{"text":"Why?","type":"essay"}'],
    ['an array', '[1,2,3]'],
    ['leading whitespace', ' \n\t{"a":1}'],
    ['a byte-order mark', '\uFEFF{"a":1}'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ['a bare number', '1'],
    ['a bare string', '"text"'],
    ['null', 'null'],
    ['whitespace only', '   '],
    ['malformed JSON', '{"a":'],
    ['trailing garbage', '{"a":1} x'],
    ['an escaped NUL', '{"a":"\\u0000"}'],
    ['an escaped lone surrogate', '{"a":"\\ud800"}'],
    ['deep nesting', `${'['.repeat(40)}${']'.repeat(40)}`],
    ['more than the limit', JSON.stringify({ a: 'x'.repeat(2048) })],
  ];

  it.each(bodies)('answers %s as body-parser does', async (_name, body) => {
    const viaShortcut = await post(body, 'application/json');
    expect(viaShortcut).toEqual(await post(body, 'application/ld+json'));
    expect(await post(body, 'application/json; charset=UTF-8')).toEqual(viaShortcut);
  });
});

describe('fixed helmet headers', () => {
  it('are the headers helmet sets, with and without the content security policy', async () => {
    for (const options of [undefined, { contentSecurityPolicy: false }]) {
      const fixed = await serve((app) => app.get('/', fixedHelmetHeaders(options), (_req, res) => void res.end()));
      const real = await serve((app) => app.get('/', helmet(options), (_req, res) => void res.end()));
      const headersOf = async (base: string) => {
        const res = await fetch(base);
        return [...res.headers].filter(([name]) => name !== 'date');
      };
      expect(await headersOf(fixed)).toEqual(await headersOf(real));
    }
  });
});

describe('middleware in sequence', () => {
  it('runs in order, stops when one answers, and hands thrown, rejected and passed errors to the error handler', async () => {
    const seen: string[] = [];
    const mark = (name: string): RequestHandler => (_req, _res, next) => {
      seen.push(name);
      next();
    };
    const url = await serve((app) => {
      app.use(
        inSequence([
          mark('a'),
          (req, res, next) => {
            if (req.path === '/throws') throw new Error('thrown');
            if (req.path === '/passes') return next(new Error('passed'));
            if (req.path === '/answers') return sendError(res, 409, 'answered', 'answered here');
            next();
          },
          async (req, _res, next) => {
            if (req.path === '/rejects') throw new Error('rejected');
            next();
          },
          mark('b'),
        ]),
      );
      app.get('/ok', (_req, res) => void res.json({ seen }));
    });
    expect(await (await fetch(`${url}/ok`)).json()).toEqual({ seen: ['a', 'b'] });
    for (const path of ['/throws', '/passes', '/rejects']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: { code: 'internal' } });
    }
    const answered = await fetch(`${url}/answers`);
    expect(answered.status).toBe(409);
    expect(seen).toEqual(['a', 'b', 'a', 'a', 'a', 'a']);
  });
});
