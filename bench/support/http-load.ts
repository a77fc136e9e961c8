import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/**
 * The HTTP load generator, run as its own process (see `runHttpLoad`) so that autocannon's client
 * work does not share an event loop with the ingress it measures. Every request carries a question
 * with a new id, so no two requests dedupe to one job. Prints one JSON line: HttpLoadResult.
 */
export interface HttpLoadSpec {
  url: string;
  path: string;
  key: string;
  seconds: number;
  connections: number;
  /** Requests per second across all connections; unlimited when absent. */
  overallRate?: number;
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

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as HttpLoadSpec;
  const questions = JSON.parse(readFileSync(spec.questionsFile, 'utf8')) as Record<string, unknown>[];
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
          return { ...req, body: JSON.stringify({ ...questions[i % questions.length], id: `${spec.tag}-${i}` }) };
        },
      },
    ],
  });
  const ok = result['2xx'];
  const out: HttpLoadResult = {
    okPerSecond: ok / result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
