import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { questionInputSchema } from '../core/bloom/question-input.js';
import { type BenchEnv, createBenchEnv } from './bench-env.js';
import { startBenchInfrastructure } from './bench-infrastructure.js';
import { addResultsJobs, feedbackSessions, seedQuestions } from './benchmarks/feedback-loop.js';
import { validationJobs } from './benchmarks/validation-pipeline.js';
import { loadBenchQuestions } from './support/bench-questions.js';
import { CompletionCounter } from './support/completion-counter.js';
import { cpuDelta } from './support/cpu-meter.js';
import { HttpLoadGenerator } from './support/run-http-load.js';
import { startBenchSystem, waitUntilIdle, workersOf } from './support/system-under-test.js';
import { addInChunks, timedDrain } from './support/timed-drain.js';
import { warmBloomPool } from './support/warm-bloom.js';
import { feedbackBatcherFor } from '../workers/processors/feedback-loop/feedback-batcher.js';
import { validationBatcherFor } from '../workers/processors/question-validation/validation-batcher.js';

const usage = `npm run bench:profile [-- options]

Where the main thread's time goes in one pipeline, with the inspector's sampling profiler (200 µs)
recording only the measured part. Prints the share of the main thread's busy time per component
(each sample charged to the innermost component on its stack; GC and socket writes apart), µs of
Node CPU per unit from the process's CPU time, and writes the profile for Chrome DevTools.

  --pipeline P      ingress: only the ingress runs, under the http-enqueue load (autocannon,
                      32 connections, the bench's questions); unit: request
                    validate: question-validation + decision-insights workers, as
                      validation-pipeline runs them; jobs added while the queue is paused, then
                      only the drain (and the traces it left) is profiled; unit: validate job
                    feedback: feedback-loop + decision-insights workers, sessions seeded as
                      feedback-loop seeds them; unit: results job (one 10-answer session)
                    (default ingress)
  --seconds S       ingress: profiled load (default 8, after 2 × 2 s of warm-up)
  --jobs N          validate/feedback: jobs in the profiled drain (default 4000 / 1500, after a
                      warm-up drain of a quarter of that)
  --out FILE        the .cpuprofile (default <pipeline>.cpuprofile in the current directory)
  --bloom-data DIR  labelled question CSVs (default ../shared/data/bloom next to the repository)`;

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

type Components = [string, RegExp][];

/** First match wins, tried from the innermost frame outwards; Node's own frames are skipped. */
const ingressComponents: Components = [
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

/**
 * Owners: a sample with one of these on its stack is theirs, whatever library runs innermost (the
 * decision-insights processor's pg, JSON and zod work; the caches' ioredis commands).
 */
const workerOwners: Components = [
  ['decision-insights: trace batches', /workers\/processors\/decision-insights\//],
  ['read cache invalidation, insight cache (Redis)', /db\/cache\//],
];
const workerComponents: Components = [
  ['job transport: BullMQ + ioredis + msgpackr', /node_modules\/(bullmq|ioredis|msgpackr|redis-parser|cluster-key-slot|denque|standard-as-callback|lodash)\//],
  ['pg + kysely: query building, params, result parsing', /node_modules\/(pg|pg-protocol|pg-types|pg-pool|pg-int8|postgres-[a-z]+|pgpass|split2|kysely|pg-copy-streams)\/|db\/database/],
  ['zod / payload checks', /node_modules\/zod\/|core\/contracts\//],
  ['pino logging', /node_modules\/(pino[a-z-]*|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|safe-stable-stringify|atomic-sleep|on-exit-leak-free)\/|observability\/logger/],
  ['prom-client metrics', /node_modules\/(prom-client|tdigest|bintrees)\/|observability\//],
  ['Piscina hop: structured clone, message port', /node_modules\/piscina\/|workers\/bloom\/|node:internal\/worker/],
  ['db/queries (our statements)', /db\/queries\//],
  ['core/: pure logic, ts-fsrs', /\/core\/|node_modules\/ts-fsrs\//],
  ['our processors + runtime (workers/, pipelines/)', /\/workers\/|\/pipelines\//],
];

const SOCKET_WRITES = 'socket writes (Redis and Postgres commands, HTTP answers)';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

function breakdown(
  profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] },
  components: Components,
  fallback: string,
  owners: Components = [],
): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const classify = (id: number): string | undefined => {
    const leaf = byId.get(id)!.callFrame.functionName;
    if (leaf === '(idle)') return undefined;
    // The profiler's own Profiler.stop (building the profile) is sampled too: not the system's time.
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (byId.get(at)!.callFrame.url === 'node:inspector') return undefined;
    if (leaf === '(garbage collector)') return 'GC';
    if (leaf === '(program)') return 'V8, unattributed';
    if (leaf === 'writeBuffer' || leaf === 'writev' || leaf === 'writeUtf8String') return SOCKET_WRITES;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)!.callFrame.url;
      const match = url ? owners.find(([, pattern]) => pattern.test(url)) : undefined;
      if (match) return match[0];
    }
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)!.callFrame.url;
      const match = url ? components.find(([, pattern]) => pattern.test(url)) : undefined;
      if (match) return match[0];
    }
    return fallback;
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

/** The inspector's sampling profiler around `measured` (this thread only: Piscina threads are not sampled). */
async function profiled<T>(measured: () => Promise<T>): Promise<{ result: T; profile: Parameters<typeof breakdown>[0] }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const result = await measured();
    const { profile } = await session.post('Profiler.stop');
    return { result, profile: profile as unknown as Parameters<typeof breakdown>[0] };
  } finally {
    session.disconnect();
  }
}

/**
 * One line per component. V8's sampler has no frames for JSON.parse/stringify: their time is the
 * self time of the function that called them (bullmq's tryCatch and asJSON, say), so it is shown there.
 */
/**
 * `perUnitUs` is shared out by the samples' shares. With `kernelUs` (the main thread's system
 * time, from /proc), socket writes get that instead, and the other components share the user time:
 * the sampler counts wall time, and a write that wakes Redis or Postgres on a busy machine is
 * sampled for as long as the thread waits to run again (about twice its kernel time here).
 */
function printBreakdown(micros: Map<string, number>, unit: string, perUnitUs: number, kernelUs?: number): void {
  const busy = [...micros.values()].reduce((a, b) => a + b, 0);
  const userBusy = busy - (kernelUs === undefined ? 0 : (micros.get(SOCKET_WRITES) ?? 0));
  const us = (name: string, sampled: number) =>
    kernelUs === undefined ? (sampled / busy) * perUnitUs : name === SOCKET_WRITES ? kernelUs : (sampled / userBusy) * (perUnitUs - kernelUs);
  console.log(`| component | share of busy time (sampled) | µs per ${unit} |\n|---|---:|---:|`);
  for (const [name, sampled] of [...micros].sort((a, b) => us(b[0], b[1]) - us(a[0], a[1]))) {
    const label = kernelUs !== undefined && name === SOCKET_WRITES ? `${name}: main thread's kernel time (all syscalls)` : name;
    console.log(`| ${label} | ${((100 * sampled) / busy).toFixed(1)} % | ${us(name, sampled).toFixed(0)} |`);
  }
}

/** The functions with the most self time, to see inside a component (paths from the repository or node_modules). */
function printHottest(profile: Parameters<typeof breakdown>[0], count: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const { functionName, url } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === 'dispatch') return; // dispatch: the profiler's Profiler.stop
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(repoRoot, '').replace(/^file:\/+/, '')}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const busy = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`hottest functions (self time, share of busy): ${[...self].sort((a, b) => b[1] - a[1]).slice(0, count).map(([k, v]) => `${k} ${((100 * v) / busy).toFixed(1)} %`).join('; ')}`);
}

/** CPU ms per thread name of this process (Linux /proc; 10 ms ticks): main thread vs Piscina vs V8 helpers. */
function threadCpuMs(): Map<string, number> {
  const byName = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const name = Number(tid) === process.pid ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).trim();
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        byName.set(name, (byName.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) * 10);
        // The main thread's kernel time apart: syscalls (socket writes and reads, epoll).
        if (name === 'main') byName.set('main, of which kernel', Number(f[12]) * 10);
      } catch {
        // a thread that ended between readdir and read
      }
    }
  } catch {
    // not Linux
  }
  return byName;
}

async function profileIngress(env: BenchEnv, load: HttpLoadGenerator, seconds: number, out: string): Promise<void> {
  const questions = loadBenchQuestions(env.bloomDataDir, 2_000, (q) => questionInputSchema.safeParse(q).success);
  const questionsFile = join(env.scratchDir, 'questions.json');
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
    const { result: [result, cpu], profile } = await profiled(async () => {
      const cpuBefore = process.cpuUsage();
      const result = await run('profiled', seconds);
      return [result, process.cpuUsage(cpuBefore)] as const;
    });
    writeFileSync(out, JSON.stringify(profile));
    const cpuPerRequestUs = (cpu.user + cpu.system) / result.ok;
    console.log(`${result.ok} requests, ${Math.round(result.okPerSecond)} req/s, ${result.non2xx} non-2xx; Node CPU ${cpuPerRequestUs.toFixed(0)} µs per request (profiler running)`);
    printBreakdown(breakdown(profile, ingressComponents, 'node internals: HTTP parser, streams, events, ticks'), 'request', cpuPerRequestUs);
    printHottest(profile, 25);
    console.log(`profile: ${out}`);
  } finally {
    await system.close();
  }
}

/**
 * validate / feedback: the bench's system and jobs; a warm-up drain, then one profiled drain whose
 * CPU (and the traces it left for decision-insights, settled inside the count) is divided by its jobs.
 */
async function profileWorkers(env: BenchEnv, pipeline: 'validate' | 'feedback', jobs: number, out: string): Promise<void> {
  const queueName = pipeline === 'validate' ? 'question-validation' : 'feedback-loop';
  const { system, databaseUrl } = await startBenchSystem(env, `profile-${pipeline}`, {
    ingress: false,
    workers: [queueName, 'decision-insights'],
    schedulers: false,
  });
  const producer = system.services.producer;
  const queue = producer.queue(queueName);
  const traces = producer.queue('decision-insights');
  const counter = new CompletionCounter(workersOf(system, queueName), { counts: (job) => job.name === (pipeline === 'validate' ? 'validate' : 'results') });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    let add: (tag: string) => (count: number) => Promise<void>;
    if (pipeline === 'validate') {
      const questions = loadBenchQuestions(env.bloomDataDir, 2_000, (q) => questionInputSchema.safeParse(q).success);
      await warmBloomPool(system.services.bloom, questions.map((q) => questionInputSchema.parse(q)), 800);
      add = (tag) => (count) => addInChunks(count, 500, (from, to) => producer.sendMany('question-validation', 'validate', validationJobs(questions, tag, from, to)));
    } else {
      const session = feedbackSessions(await seedQuestions(client, env.bloomDataDir));
      add = (tag) => (count) => addResultsJobs(client, producer, session, tag, count);
    }
    const drain = (tag: string, count: number) =>
      timedDrain({ queue, counter, jobs: count, add: add(tag), timeoutMs: 300_000, cpu: env.cpu, settle: () => waitUntilIdle(traces) });
    await drain('warm', Math.ceil(jobs / 4));
    // As timedDrain does, but with the profiler and the meters around the drain alone.
    await queue.pause();
    await add('profiled')(jobs);
    counter.reset();
    const batcher = pipeline === 'validate' ? validationBatcherFor(system.services) : feedbackBatcherFor(system.services);
    const flushesBefore = batcher.flushes;
    const { result, profile } = await profiled(async () => {
      const threadsBefore = threadCpuMs();
      const cpuBefore = env.cpu.snapshot();
      const processBefore = process.cpuUsage();
      const t0 = performance.now();
      await queue.resume();
      await counter.waitFor(jobs, 300_000);
      await waitUntilIdle(traces);
      const seconds = (performance.now() - t0) / 1000;
      const processCpu = process.cpuUsage(processBefore);
      return { seconds, processCpu, cpu: cpuDelta(cpuBefore, env.cpu.snapshot()), threads: [...threadCpuMs()].map(([name, ms]) => [name, ms - (threadsBefore.get(name) ?? 0)] as const) };
    });
    writeFileSync(out, JSON.stringify(profile));
    const unit = pipeline === 'validate' ? 'validate job' : 'session';
    const nodeUs = ((result.processCpu.user + result.processCpu.system) / jobs);
    const mainUs = ((result.threads.find(([name]) => name === 'main')?.[1] ?? 0) * 1000) / jobs;
    console.log(
      `${jobs} ${unit}s drained in ${result.seconds.toFixed(1)} s (${Math.round(jobs / result.seconds)}/s, profiler running); per ${unit}: ` +
        `Node CPU ${nodeUs.toFixed(0)} µs (by thread: ${result.threads.filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${((ms * 1000) / jobs).toFixed(0)}`).join(', ')}); ` +
        `postgres ${((result.cpu.postgres * 1000) / jobs).toFixed(0)} µs, redis ${((result.cpu.redis * 1000) / jobs).toFixed(0)} µs; ` +
        `${(jobs / (batcher.flushes - flushesBefore)).toFixed(1)} jobs per batch`,
    );
    const kernelUs = ((result.threads.find(([name]) => name === 'main, of which kernel')?.[1] ?? 0) * 1000) / jobs;
    printBreakdown(breakdown(profile, workerComponents, 'node internals: streams, events, ticks, timers', workerOwners), unit, mainUs, kernelUs);
    printHottest(profile, 25);
    console.log(`µs: the main thread's CPU (the profiler samples only it), kernel time to socket writes, user time by share of the other samples; profile: ${out}`);
  } finally {
    counter.close();
    await client.end();
    await system.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pipeline: { type: 'string' },
      seconds: { type: 'string' },
      jobs: { type: 'string' },
      out: { type: 'string' },
      'bloom-data': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(usage);
  const pipeline = values.pipeline ?? 'ingress';
  if (pipeline !== 'ingress' && pipeline !== 'validate' && pipeline !== 'feedback') throw new Error(`--pipeline: ingress, validate or feedback, not ${pipeline}`);
  const seconds = Number(values.seconds ?? 8);
  const out = resolve(values.out ?? `${pipeline}.cpuprofile`);
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
    if (pipeline === 'ingress') await profileIngress(env, load, seconds, out);
    else await profileWorkers(env, pipeline, Number(values.jobs ?? (pipeline === 'validate' ? 4_000 : 1_500)), out);
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
