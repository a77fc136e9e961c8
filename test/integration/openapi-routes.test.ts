import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeDocs } from '../../dashboard/openapi.js';
import type { RouteEntry } from '../../dashboard/route-table.js';
import { routeTableOf } from '../faults/support/route-probe.js';
import { type TestSystem, startTestSystem } from '../support/test-system.js';

/**
 * The OpenAPI route table (dashboard/openapi.ts) against the routes the routers really register
 * (read from the router stack): same set, no duplicates, same scope. It had drifted — one route
 * listed twice, the stale summary winning.
 */
let system: TestSystem;
let routes: RouteEntry[];
beforeAll(async () => {
  system = await startTestSystem('openapi-routes', { roles: { workers: [], ingress: true, schedulers: false } });
  routes = await routeTableOf(system);
});
afterAll(async () => {
  await system?.close();
});

const documented = () => routeDocs.map((d) => `${d.method.toUpperCase()} ${d.path}`);
/** Registered API routes in OpenAPI spelling; Bull Board's own UI/API aside. */
function registered(): Map<string, RouteEntry> {
  const out = new Map<string, RouteEntry>();
  for (const r of routes) {
    if (r.method === 'ALL' || r.path.startsWith('/admin/queues')) continue;
    out.set(`${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`, r);
  }
  return out;
}

describe('the OpenAPI route table', () => {
  it('lists each route once', () => {
    const names = documented();
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('documents exactly the routes the routers register', () => {
    const live = registered();
    expect(live.size).toBeGreaterThan(20);
    expect([...live.keys()].filter((n) => !documented().includes(n)).sort()).toEqual([]);
    expect(documented().filter((n) => !live.has(n)).sort()).toEqual([]);
  });

  it("gives each route its guard's scope", () => {
    const live = registered();
    const mismatched = routeDocs
      .map((d) => ({ name: `${d.method.toUpperCase()} ${d.path}`, doc: d.scope, guard: live.get(`${d.method.toUpperCase()} ${d.path}`)?.scope ?? 'none' }))
      .filter((r) => r.doc !== r.guard);
    expect(mismatched).toEqual([]);
  });
});
