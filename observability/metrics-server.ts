import { createHash, timingSafeEqual } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsRegistry } from './metrics-registry.js';

/**
 * `METRICS_TOKEN` check shared by the ingress's /metrics and the listener below: the presented
 * Bearer token is hashed and compared in constant time. Without a token every scrape is allowed.
 */
export function metricsAuthorizer(token: string | undefined): (authorization: string | undefined) => boolean {
  if (!token) return () => true;
  const expected = createHash('sha256').update(token).digest();
  return (authorization) => {
    const presented = (authorization ?? '').replace(/^Bearer\s+/i, '');
    return timingSafeEqual(createHash('sha256').update(presented).digest(), expected);
  };
}

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A small HTTP listener serving only `GET /metrics` (and `/healthz`), for processes without the
 * ingress — `learnloop worker` — so each process is a Prometheus scrape target of its own
 * (config METRICS_PORT; ops/prometheus/prometheus.yml lists the targets).
 */
export async function startMetricsServer(options: { host: string; port: number; token?: string }): Promise<MetricsServer> {
  const authorized = metricsAuthorizer(options.token);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/healthz')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'this listener serves GET /metrics only' } }));
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (!authorized(req.headers.authorization)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unauthorized', message: 'metrics need the METRICS_TOKEN as a Bearer token' } }));
      return;
    }
    metricsRegistry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"internal","message":"metrics could not be collected"}}'),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
