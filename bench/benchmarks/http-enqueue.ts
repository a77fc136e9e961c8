import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Queue } from 'bullmq';
import { questionInputSchema } from '../../core/bloom/question-input.js';
import { questionContentHash, questionIdFor } from '../../core/contracts/question-contracts.js';
import { jobIds } from '../../core/contracts/ids.js';
import { defaultJobOptions } from '../../pipelines/default-job-options.js';
import type { QueueName } from '../../pipelines/registry.js';
import type { Benchmark, Figure } from '../benchmark.js';
import type { BenchEnv } from '../bench-env.js';
import { figure, percentile, sizeFor } from '../stats.js';
import { type BenchQuestion, loadBenchQuestions, uniqueQuestion } from '../support/bench-questions.js';
import { CompletionCounter } from '../support/completion-counter.js';
import { type CpuSnapshot, addCpu, cpuDelta, describeCpuPer, zeroCpu } from '../support/cpu-meter.js';
import { startBareEnqueueServer } from '../support/bare-enqueue-server.js';
import { HttpLoadGenerator } from '../support/run-http-load.js';
import { jobsWithoutProcessor, startBenchSystem, waitUntilIdle, workersOf } from '../support/system-under-test.js';
import { addInChunks, timedDrain } from '../support/timed-drain.js';
import { warmBloomPool } from '../support/warm-bloom.js';

const PATH = '/api/questions/validate';
const CONNECTIONS = 32;
const LATENCY_CONNECTIONS = 8;

/** The job id the validate route gives a question; the direct baseline uses the same. */
function validateJobId(question: BenchQuestion): string {
  const hash = questionContentHash(question as Parameters<typeof questionContentHash>[0]);
  return jobIds.validate(questionIdFor(question as Parameters<typeof questionIdFor>[0], hash), hash);
}

/**
 * 6. HTTP: (a) enqueue throughput of `POST /api/questions/validate` under autocannon (ingress only,
 * no workers, so the queue just fills) against `queue.add` called directly with the same payloads
 * and job ids at the same concurrency, with two floors doing the same add: a bare node:http server
 * (what HTTP itself costs on this machine) and a minimal Express 5 app (what the framework the
 * ingress is built on adds to it); (b) enqueue-to-completed latency (finishedOn − timestamp of
 * each job) with workers running, with requests sent at half the pipeline's measured saturation.
 */
const benchmark: Benchmark = {
  name: 'http-enqueue',
  async run(env) {
    const questions = loadBenchQuestions(env.bloomDataDir, 2_000, (q) => questionInputSchema.safeParse(q).success);
    const questionsFile = join(env.scratchDir, 'http-questions.json');
    writeFileSync(questionsFile, JSON.stringify(questions));
    const load = new HttpLoadGenerator();
    try {
      const throughput = await enqueueThroughput(env, load, questions, questionsFile);
      const latency = await latencyAtHalfSaturation(env, load, questions, questionsFile);
      return { figures: [...throughput.figures, ...latency.figures], notes: [...throughput.notes, ...latency.notes] };
    } finally {
      await load.close();
    }
  },
};

async function enqueueThroughput(env: BenchEnv, load: HttpLoadGenerator, questions: BenchQuestion[], questionsFile: string) {
  const { system } = await startBenchSystem(env, 'http', { ingress: true, workers: [], schedulers: false });
  const queue = system.services.producer.queue('question-validation');
  const jobIdFor = (q: Record<string, unknown>) => validateJobId(q as unknown as BenchQuestion);
  const bare = await startBareEnqueueServer('node:http', queue, PATH, jobIdFor, defaultJobOptions);
  const bareExpress = await startBareEnqueueServer('express', queue, PATH, jobIdFor, defaultJobOptions);
  // CPU of this process (the ingress, the floor servers or the direct adds), Redis and Postgres;
  // not the load generator's, which runs in its own process.
  type HttpPath = 'ingress' | 'bare' | 'express';
  type Path = HttpPath | 'direct';
  const cpu: Record<Path, { total: CpuSnapshot; count: number }> = {
    ingress: { total: zeroCpu(), count: 0 },
    bare: { total: zeroCpu(), count: 0 },
    express: { total: zeroCpu(), count: 0 },
    direct: { total: zeroCpu(), count: 0 },
  };
  const urls: Record<HttpPath, string> = { ingress: system.url!, bare: bare.url, express: bareExpress.url };
  const metered = async <T extends { count: number }>(path: Path, body: () => Promise<T>): Promise<T> => {
    const before = env.cpu.snapshot();
    const result = await body();
    cpu[path].total = addCpu(cpu[path].total, cpuDelta(before, env.cpu.snapshot()));
    cpu[path].count += result.count;
    await queue.obliterate({ force: true });
    return result;
  };
  try {
    const http = (path: HttpPath, tag: string, seconds: number) =>
      metered(path, async () => {
        const r = await load.run({ url: urls[path], path: PATH, key: env.apiKey, seconds, connections: CONNECTIONS, questionsFile, tag: `${path}-${tag}` });
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`HTTP load on the ${path} server got ${r.non2xx} non-2xx answers and ${r.errors} errors`);
        return { ...r, count: r.ok };
      });
    const direct = (tag: string, seconds: number) => metered('direct', () => addDirectly(queue, questions, tag, seconds, CONNECTIONS));

    env.log('  warming up');
    const warmSeconds = Math.min(2, env.runSeconds);
    await http('ingress', 'warm', warmSeconds);
    await http('bare', 'warm', warmSeconds);
    await http('express', 'warm', warmSeconds);
    await direct('warm', warmSeconds);
    for (const c of Object.values(cpu)) Object.assign(c, { total: zeroCpu(), count: 0 });

    const viaIngress: number[] = [];
    const viaBare: number[] = [];
    const viaExpress: number[] = [];
    const viaAdd: number[] = [];
    const ingressP99: number[] = [];
    for (let run = 0; run < env.runs; run += 1) {
      const r = await http('ingress', `r${run}`, env.runSeconds);
      viaIngress.push(r.okPerSecond);
      ingressP99.push(r.latencyMs.p99);
      viaBare.push((await http('bare', `r${run}`, env.runSeconds)).okPerSecond);
      viaExpress.push((await http('express', `r${run}`, env.runSeconds)).okPerSecond);
      viaAdd.push((await direct(`r${run}`, env.runSeconds)).perSecond);
      env.log(
        `  run ${run + 1}/${env.runs}: ingress ${Math.round(viaIngress.at(-1)!)} req/s, bare node:http ${Math.round(viaBare.at(-1)!)} req/s, ` +
          `minimal Express ${Math.round(viaExpress.at(-1)!)} req/s, ` +
          `queue.add ${Math.round(viaAdd.at(-1)!)} jobs/s`,
      );
    }
    const direct_ = { name: `queue.add direct, ${CONNECTIONS} in flight`, runs: viaAdd, unit: 'jobs/s' };
    return {
      figures: [
        figure(`POST /api/questions/validate, ${CONNECTIONS} connections`, viaIngress, 'req/s', { baseline: direct_, target: { atLeast: 0.3 } }),
        figure('same POST on a bare node:http server → queue.add (floor)', viaBare, 'req/s', { baseline: direct_ }),
        figure('same POST on a minimal Express 5 app → queue.add (floor with Express)', viaExpress, 'req/s', { baseline: direct_ }),
        figure('ingress response p99 at saturation', ingressP99, 'ms'),
      ],
      notes: [
        `ingress only (no workers); autocannon (${CONNECTIONS} connections) in its own process; every request a new question id ` +
          `(no dedupe); logs at error level, so pino-http writes nothing per request; the rate limiter runs (with a limit never reached)`,
        `CPU outside the load generator: ingress ${describeCpuPer(cpu.ingress.total, cpu.ingress.count, 'request')}; ` +
          `bare server ${describeCpuPer(cpu.bare.total, cpu.bare.count, 'request')}; ` +
          `minimal Express app ${describeCpuPer(cpu.express.total, cpu.express.count, 'request')}; queue.add ${describeCpuPer(cpu.direct.total, cpu.direct.count, 'job')}`,
      ],
    };
  } finally {
    await Promise.all([bare.close(), bareExpress.close()]);
    await queue.obliterate({ force: true }).catch(() => {});
    await system.close();
  }
}

/** `concurrency` loops calling queue.add with the route's payload and job id, for `seconds`. */
async function addDirectly(
  queue: Queue,
  questions: BenchQuestion[],
  tag: string,
  seconds: number,
  concurrency: number,
): Promise<{ perSecond: number; count: number }> {
  const start = performance.now();
  const end = start + seconds * 1000;
  let i = 0;
  const lane = async () => {
    while (performance.now() < end) {
      const question = uniqueQuestion(questions, `direct-${tag}`, i++);
      await queue.add('validate', { question }, { ...defaultJobOptions, jobId: validateJobId(question) });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { perSecond: i / ((performance.now() - start) / 1000), count: i };
}

async function latencyAtHalfSaturation(env: BenchEnv, load: HttpLoadGenerator, questions: BenchQuestion[], questionsFile: string) {
  const insightsReady = jobsWithoutProcessor('decision-insights').length === 0;
  const queues: QueueName[] = insightsReady ? ['question-validation', 'decision-insights'] : ['question-validation'];
  const { system } = await startBenchSystem(env, 'http-latency', { ingress: true, workers: queues, schedulers: false });
  const producer = system.services.producer;
  const queue = producer.queue('question-validation');
  const traces = producer.queue('decision-insights');
  const counter = new CompletionCounter(workersOf(system, 'question-validation'), { keepLatency: () => true });
  try {
    // Saturation: the pipeline's throughput with a full queue, measured here, in this system.
    const addBatch = (tag: string) => (count: number) =>
      addInChunks(count, 500, (from, to) =>
        producer.sendMany(
          'question-validation',
          'validate',
          Array.from({ length: to - from }, (_, k) => {
            const question = uniqueQuestion(questions, `sat-${tag}`, from + k);
            return { payload: { question: question as never }, options: { jobId: validateJobId(question) } };
          }),
        ),
      );
    const drain = async (tag: string, jobs: number) => {
      const t = await timedDrain({ queue, counter, jobs, add: addBatch(tag), timeoutMs: 180_000 });
      if (insightsReady) await waitUntilIdle(traces);
      return t.processPerSecond;
    };
    env.log('  warming the Bloom threads, then measuring saturation with workers running');
    await warmBloomPool(system.services.bloom, questions.map((q) => questionInputSchema.parse(q)));
    const warm = await drain('warm', 200);
    const saturation = await drain('max', sizeFor(warm, env.runSeconds, 200, 20_000));
    const rate = Math.max(1, Math.round(saturation / 2));

    const p50: number[] = [];
    const p99: number[] = [];
    // Longer runs than elsewhere (a p99 needs samples), so fewer of them.
    const seconds = Math.max(2, env.runSeconds * 2);
    const runs = Math.min(env.runs, 3);
    for (let run = 0; run < runs; run += 1) {
      counter.reset();
      const r = await load.run({
        url: system.url!,
        path: PATH,
        key: env.apiKey,
        seconds,
        connections: LATENCY_CONNECTIONS,
        overallRate: rate,
        paced: true,
        questionsFile,
        tag: `lat-r${run}`,
      });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`HTTP load got ${r.non2xx} non-2xx answers and ${r.errors} errors`);
      await counter.waitFor(r.ok, 120_000);
      if (insightsReady) await waitUntilIdle(traces);
      p50.push(percentile(counter.latencies, 50));
      p99.push(percentile(counter.latencies, 99));
      env.log(`  run ${run + 1}/${runs}: ${r.ok} jobs at ${rate} req/s: p50 ${p50.at(-1)} ms, p99 ${p99.at(-1)} ms`);
    }
    const figures: Figure[] = [
      figure('enqueue → completed p50, half saturation', p50, 'ms'),
      figure('enqueue → completed p99, half saturation', p99, 'ms'),
    ];
    return {
      figures,
      notes: [
        `${runs} latency runs of ${seconds} s at ${rate} req/s = half of the ${Math.round(saturation)} jobs/s the pipeline sustained ` +
          `with a full queue in the same process (ingress + question-validation${insightsReady ? ' + decision-insights' : ''} workers); ` +
          `requests evenly spaced (fetch from the load process; autocannon's rate limit sends each second's quota as one burst, ` +
          `which measured how long a burst takes to drain); latency per job = finishedOn − timestamp`,
      ],
    };
  } finally {
    counter.close();
    await system.close();
  }
}

export default benchmark;
