import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { questionInputSchema } from '../core/bloom/question-input.js';
import { createBenchEnv } from './bench-env.js';
import { startBenchInfrastructure } from './bench-infrastructure.js';
import { loadBenchQuestions } from './support/bench-questions.js';
import { HttpLoadGenerator } from './support/run-http-load.js';
import { startBenchSystem } from './support/system-under-test.js';

const usage = `npm run bench:profile-ingress [-- options]

Where the ingress's time goes under the http-enqueue load: the same system, questions and
autocannon load (32 connections) as the bench, but only the ingress runs while the inspector's
sampling profiler records. Prints the share of the ingress's busy time per component (each sample
charged to the innermost component on its stack; socket writes apart) and, from the process's
CPU time, µs of Node CPU per request. Writes the profile for Chrome DevTools.

  --seconds S       profiled load (default 8, after 2 × 2 s of warm-up)
  --out FILE        the .cpuprofile (default ingress.cpuprofile in the current directory)
  --bloom-data DIR  labelled question CSVs (default ../shared/data/bloom next to the repository)`;

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** First match wins, tried from the innermost frame outwards; Node's own frames are skipped. */
const components: [string, RegExp][] = [
  ['enqueue: BullMQ + ioredis + msgpackr', /node_modules\/(bullmq|ioredis|msgpackr|redis-parser|cluster-key-slot|denque|standard-as-callback)\//],
  ['helmet', /node_modules\/helmet\/|dashboard\/create-ingress/],
  ['cors', /node_modules\/cors\//],
  ['body read + parse', /node_modules\/(body-parser|raw-body|type-is|media-typer|content-type|iconv-lite|bytes|unpipe|on-finished)\/|middleware\/(parse-bodies|body-gate)|contracts\/identifiers/],
  ['key identification', /middleware\/api-key-auth/],
  ['rate limiter', /middleware\/(rate-limit|leased-rate-counter)|express-rate-limit/],
  ['metrics', /middleware\/http-metrics|prom-client|cluster-request-stats|minute-counters|observability\/http-metrics/],
  ['request ids + logging', /middleware\/request-logging|node_modules\/pino/],
  ['route handler, producer, enqueue answer', /routes\/question-routes|enqueue-response|job-waiter|pipelines\/producer/],
  ['audit', /audit-operator-actions/],
  ['payload validation (zod) + content hash', /node_modules\/zod\/|core\/contracts|core\/bloom/],
  ['response: sendJson / res.json; node writeHead', /http-error|express\/lib\/response|node_modules\/(etag|fresh|send|statuses|vary|encodeurl|escape-html)\//],
  ['routing: express + router', /in-sequence|node_modules\/(express|router|path-to-regexp|parseurl|finalhandler|qs|proxy-addr|forwarded|accepts|negotiator)\//],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

function breakdown(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const classify = (id: number): string | undefined => {
    const leaf = byId.get(id)!.callFrame.functionName;
    if (leaf === '(idle)') return undefined;
    if (leaf === '(garbage collector)') return 'GC';
    if (leaf === '(program)') return 'V8, unattributed';
    if (leaf === 'writeBuffer' || leaf === 'writev' || leaf === 'writeUtf8String') return 'socket writes (Redis command, HTTP answer)';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)!.callFrame.url;
      const match = url ? components.find(([, pattern]) => pattern.test(url)) : undefined;
      if (match) return match[0];
    }
    return 'node internals: HTTP parser, streams, events, ticks';
  };
  const cache = new Map<number, string | undefined>();
  const micros = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (!cache.has(id)) cache.set(id, classify(id));
    const component = cache.get(id);
    if (component) micros.set(component, (micros.get(component) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return micros;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string' }, out: { type: 'string' }, 'bloom-data': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(usage);
  const seconds = Number(values.seconds ?? 8);
  const scratchDir = mkdtempSync(join(tmpdir(), 'learnloop-profile-'));
  const infra = await startBenchInfrastructure(scratchDir);
  const load = new HttpLoadGenerator();
  try {
    const env = createBenchEnv({
      quick: false,
      runs: 1,
      runSeconds: seconds,
      memory: { earlySeconds: 1, lateSeconds: 2 },
      redisUrl: infra.redisUrl,
      repoRoot,
      scratchDir,
      bloomDataDir: resolve(values['bloom-data'] ?? join(repoRoot, '../shared/data/bloom')),
      createDatabase: infra.createDatabase,
      settings: {},
      pids: infra.pids,
    });
    const questions = loadBenchQuestions(env.bloomDataDir, 2_000, (q) => questionInputSchema.safeParse(q).success);
    const questionsFile = join(scratchDir, 'questions.json');
    writeFileSync(questionsFile, JSON.stringify(questions));
    const { system } = await startBenchSystem(env, 'profile', { ingress: true, workers: [], schedulers: false });
    const queue = system.services.producer.queue('question-validation');
    const run = async (tag: string, runSeconds: number) => {
      const result = await load.run({ url: system.url!, path: '/api/questions/validate', key: env.apiKey, seconds: runSeconds, connections: 32, questionsFile, tag });
      await queue.obliterate({ force: true });
      return result;
    };
    try {
      await run('warm-1', 2);
      await run('warm-2', 2);
      const session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      const cpuBefore = process.cpuUsage();
      const result = await run('profiled', seconds);
      const cpu = process.cpuUsage(cpuBefore);
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      const out = resolve(values.out ?? 'ingress.cpuprofile');
      writeFileSync(out, JSON.stringify(profile));

      const micros = breakdown(profile as unknown as Parameters<typeof breakdown>[0]);
      const busy = [...micros.values()].reduce((a, b) => a + b, 0);
      const cpuPerRequestUs = (cpu.user + cpu.system) / result.ok;
      console.log(`${result.ok} requests, ${Math.round(result.okPerSecond)} req/s, ${result.non2xx} non-2xx; Node CPU ${cpuPerRequestUs.toFixed(0)} µs per request (profiler running)`);
      console.log('| component | share of busy time | µs Node CPU per request |\n|---|---:|---:|');
      for (const [name, us] of [...micros].sort((a, b) => b[1] - a[1])) {
        console.log(`| ${name} | ${((100 * us) / busy).toFixed(1)} % | ${((us / busy) * cpuPerRequestUs).toFixed(0)} |`);
      }
      console.log(`profile: ${out}`);
    } finally {
      await system.close();
    }
  } finally {
    await load.close();
    await infra.stop();
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
