import express, { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { KeyRing, requireScope } from '../../../dashboard/middleware/api-key-auth.js';
import { inspectJson } from '../../../core/contracts/identifiers.js';

const jsonDepthExceeds = (value: unknown, max: number) => inspectJson(value, max) === 'too_deep';
import { listRoutes } from '../../../dashboard/route-table.js';

const keys = new KeyRing([{ scope: 'operator', key: 'operator-key-0000000001' }]);

describe('listRoutes', () => {
  it('reads every route with its scope, through nested routers and guarded mounts', () => {
    const app = express();
    const api = Router();
    api.get('/healthz', (_req, res) => void res.end());
    api.post('/api/things/:id', requireScope(keys, 'producer'), (_req, res) => void res.end());
    api.delete('/api/things/:id', requireScope(keys, 'operator'), (_req, res) => void res.end());
    const board = express();
    board.put('/api/queues/:queueName/pause', (_req, res) => void res.end());
    const mount = Router();
    mount.use('/admin/board', requireScope(keys, 'operator'), board);
    app.use(api);
    app.use(mount);

    expect(listRoutes(app)).toEqual([
      { method: 'GET', path: '/healthz', scope: undefined },
      { method: 'POST', path: '/api/things/:id', scope: 'producer' },
      { method: 'DELETE', path: '/api/things/:id', scope: 'operator' },
      { method: 'ALL', path: '/admin/board/*', scope: 'operator' },
      { method: 'PUT', path: '/admin/board/api/queues/:queueName/pause', scope: 'operator' },
    ]);
  });
});

describe('inspectJson: nesting depth', () => {
  it('measures nesting without recursion, even for very deep values', () => {
    expect(jsonDepthExceeds({ a: 1 }, 1)).toBe(false);
    expect(jsonDepthExceeds({ a: { b: 1 } }, 1)).toBe(true);
    expect(jsonDepthExceeds([[[]]], 3)).toBe(false);
    expect(jsonDepthExceeds([[[[]]]], 3)).toBe(true);
    expect(jsonDepthExceeds('text', 0)).toBe(false);
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    expect(jsonDepthExceeds(deep, 32)).toBe(true);
  });
});
