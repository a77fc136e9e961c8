import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { percentile } from '../stats.js';
import { pacedSend } from './paced-send.js';

/**
 * The HTTP load generator, run as its own process (see `HttpLoadGenerator`) so that autocannon's
 * client work does not share an event loop with the ingress it measures. It stays up for the whole
 * benchmark: each IPC message is one run (HttpLoadSpec), answered with an HttpLoadResult (or
 * `{error}`). Every request carries a question with a new id, so no two requests dedupe to one job.
 */
export interface HttpLoadSpec {
  url: string;
  path: string;
  key: string;
  seconds: number;
  connections: number;
  /** Requests per second across all connections; unlimited when absent. */
  overallRate?: number;
  /**
   * Send `overallRate` requests a second EVENLY spaced (bench/support/paced-send.ts, with fetch)
   * instead of through autocannon, whose rate limit sends each second's quota in one burst at the
   * start of the second — right for throughput, wrong for latency at a given load.
   */
  paced?: boolean;
  questionsFile: string;
  /** Prefix of the question ids, unique per run. */
  tag: string;
}

export interface HttpLoadResult {
  /** 2xx responses per second over the whole run. */
  okPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  latencyMs: { p50: number; p99: number };
}

const questionCache = new Map<string, Record<string, unknown>[]>();

async function runOnce(spec: HttpLoadSpec): Promise<HttpLoadResult> {
  if (spec.paced && spec.overallRate) return runPaced(spec, spec.overallRate);
  const pool = questionsOf(spec);
  let n = 0;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: spec.path,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${spec.key}` },
        setupRequest: (req: any) => {
          const i = n++;
          return { ...req, body: JSON.stringify({ ...pool[i % pool.length], id: `${spec.tag}-${i}` }) };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    okPerSecond: ok / result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
  };
}

function questionsOf(spec: HttpLoadSpec): Record<string, unknown>[] {
  let questions = questionCache.get(spec.questionsFile);
  if (!questions) {
    questions = JSON.parse(readFileSync(spec.questionsFile, 'utf8')) as Record<string, unknown>[];
    questionCache.set(spec.questionsFile, questions);
  }
  return questions;
}

async function runPaced(spec: HttpLoadSpec, rate: number): Promise<HttpLoadResult> {
  const pool = questionsOf(spec);
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  await pacedSend(rate, spec.seconds, async (i) => {
    const t0 = performance.now();
    try {
      const res = await fetch(`${spec.url}${spec.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${spec.key}` },
        body: JSON.stringify({ ...pool[i % pool.length], id: `${spec.tag}-${i}` }),
      });
      await res.arrayBuffer();
      if (res.ok) ok += 1;
      else non2xx += 1;
    } catch {
      errors += 1;
    }
    latencies.push(performance.now() - t0);
  });
  const seconds = (performance.now() - started) / 1000;
  return { okPerSecond: ok / seconds, ok, non2xx, errors, timeouts: 0, seconds, latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) } };
}

process.on('message', (spec: HttpLoadSpec) => {
  runOnce(spec).then(
    (result) => process.send!(result),
    (error: unknown) => process.send!({ error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
