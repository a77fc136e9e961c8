import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Queue } from 'bullmq';
import { questionInputSchema } from '../../core/bloom/question-input.js';
import { questionContentHash, questionIdFor } from '../../core/contracts/question-contracts.js';
import { defaultJobOptions } from '../../pipelines/default-job-options.js';
import type { QueueName } from '../../pipelines/registry.js';
import type { Benchmark, Figure } from '../benchmark.js';
import type { BenchEnv } from '../bench-env.js';
import { figure, percentile, sizeFor } from '../stats.js';
import { type BenchQuestion, loadBenchQuestions, uniqueQuestion } from '../support/bench-questions.js';
import { CompletionCounter } from '../support/completion-counter.js';
import { type CpuSnapshot, addCpu, cpuDelta, describeCpuPer, zeroCpu } from '../support/cpu-meter.js';
import { runHttpLoad } from '../support/run-http-load.js';
import { jobsWithoutProcessor, startBenchSystem, waitUntilIdle, workersOf } from '../support/system-under-test.js';
import { addInChunks, timedDrain } from '../support/timed-drain.js';

const PATH = '/api/questions/validate';
const CONNECTIONS = 32;
const LATENCY_CONNECTIONS = 8;

/** The job id the validate route gives a question; the direct baseline uses the same. */
function validateJobId(question: BenchQuestion): string {
  const hash = questionContentHash(question as Parameters<typeof questionContentHash>[0]);
  return `validate-${questionIdFor(question as Parameters<typeof questionIdFor>[0], hash)}-${hash.slice(0, 16)}`;
}

/**
 * 6. HTTP: (a) enqueue throughput of `POST /api/questions/validate` under autocannon (ingress only,
 * no workers, so the queue just fills) against `queue.add` called directly with the same payloads
 * and job ids at the same concurrency; (b) enqueue-to-completed latency (finishedOn − timestamp of
 * each job) with workers running, with requests sent at half the pipeline's measured saturation.
 */
const benchmark: Benchmark = {
  name: 'http-enqueue',
  async run(env) {
    const questions = loadBenchQuestions(env.bloomDataDir, 2_000, (q) => questionInputSchema.safeParse(q).success);
    const questionsFile = join(env.scratchDir, 'http-questions.json');
    writeFileSync(questionsFile, JSON.stringify(questions));
    const throughput = await enqueueThroughput(env, questions, questionsFile);
    const latency = await latencyAtHalfSaturation(env, questions, questionsFile);
    return { figures: [...throughput.figures, ...latency.figures], notes: [...throughput.notes, ...latency.notes] };
  },
};

async function enqueueThroughput(env: BenchEnv, questions: BenchQuestion[], questionsFile: string) {
  const { system } = await startBenchSystem(env, 'http', { ingress: true, workers: [], schedulers: false });
  const queue = system.services.producer.queue('question-validation');
  // CPU of this process (the ingress, or the direct adds), Redis and Postgres; not the load generator's.
  let httpCpu: CpuSnapshot = zeroCpu();
  let directCpu: CpuSnapshot = zeroCpu();
  let httpCount = 0;
  let directCount = 0;
  try {
    const http = async (tag: string, seconds: number) => {
      const before = env.cpu.snapshot();
      const r = await runHttpLoad({ url: system.url!, path: PATH, key: env.apiKey, seconds, connections: CONNECTIONS, questionsFile, tag });
      httpCpu = addCpu(httpCpu, cpuDelta(before, env.cpu.snapshot()));
      httpCount += r.ok;
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`HTTP load got ${r.non2xx} non-2xx answers and ${r.errors} errors`);
      await queue.obliterate({ force: true });
      return r;
    };
    const direct = async (tag: string, seconds: number) => {
      const before = env.cpu.snapshot();
      const { perSecond, count } = await addDirectly(queue, questions, tag, seconds, CONNECTIONS);
      directCpu = addCpu(directCpu, cpuDelta(before, env.cpu.snapshot()));
      directCount += count;
      await queue.obliterate({ force: true });
      return perSecond;
    };
    env.log('  warming up');
    await http('warm', Math.min(2, env.runSeconds));
    await direct('warm', Math.min(2, env.runSeconds));
    [httpCpu, directCpu, httpCount, directCount] = [zeroCpu(), zeroCpu(), 0, 0];
    const viaHttp: number[] = [];
    const viaAdd: number[] = [];
    const httpLatency: number[] = [];
    for (let run = 0; run < env.runs; run += 1) {
      const r = await http(`r${run}`, env.runSeconds);
      viaHttp.push(r.okPerSecond);
      httpLatency.push(r.latencyMs.p99);
      viaAdd.push(await direct(`r${run}`, env.runSeconds));
      env.log(`  run ${run + 1}/${env.runs}: HTTP ${Math.round(viaHttp.at(-1)!)} req/s, queue.add ${Math.round(viaAdd.at(-1)!)} jobs/s`);
    }
    return {
      figures: [
        figure(`enqueue over HTTP, ${CONNECTIONS} connections`, viaHttp, 'req/s', {
          baseline: { name: `queue.add direct, ${CONNECTIONS} in flight`, runs: viaAdd, unit: 'jobs/s' },
          target: { atLeast: 0.5 },
        }),
        figure('HTTP response p99 at saturation', httpLatency, 'ms'),
      ],
      notes: [
        `ingress only (no workers); autocannon in its own process; every request a new question id (no dedupe); ` +
          `logs at error level, so pino-http writes nothing per request`,
        `HTTP: ${describeCpuPer(httpCpu, httpCount, 'request')} (the load generator's own CPU not counted); ` +
          `queue.add: ${describeCpuPer(directCpu, directCount, 'job')}`,
      ],
    };
  } finally {
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

async function latencyAtHalfSaturation(env: BenchEnv, questions: BenchQuestion[], questionsFile: string) {
  const insightsReady = jobsWithoutProcessor('decision-insights').length === 0;
  const queues: QueueName[] = insightsReady ? ['question-validation', 'decision-insights'] : ['question-validation'];
  const { system } = await startBenchSystem(env, 'http-latency', { ingress: true, workers: queues, schedulers: false });
  const producer = system.services.producer;
  const queue = producer.queue('question-validation');
  const traces = producer.queue('decision-insights');
  const counter = new CompletionCounter(workersOf(system, 'question-validation'), () => true);
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
    env.log('  measuring saturation with workers running');
    const warm = await drain('warm', 200);
    const saturation = await drain('max', sizeFor(warm, env.runSeconds, 200, 20_000));
    const rate = Math.max(1, Math.round(saturation / 2));

    const p50: number[] = [];
    const p99: number[] = [];
    const seconds = Math.max(2, env.runSeconds * 2);
    for (let run = 0; run < env.runs; run += 1) {
      counter.reset();
      const r = await runHttpLoad({
        url: system.url!,
        path: PATH,
        key: env.apiKey,
        seconds,
        connections: LATENCY_CONNECTIONS,
        overallRate: rate,
        questionsFile,
        tag: `lat-r${run}`,
      });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`HTTP load got ${r.non2xx} non-2xx answers and ${r.errors} errors`);
      await counter.waitFor(r.ok, 120_000);
      if (insightsReady) await waitUntilIdle(traces);
      p50.push(percentile(counter.latencies, 50));
      p99.push(percentile(counter.latencies, 99));
      env.log(`  run ${run + 1}/${env.runs}: ${r.ok} jobs at ${rate} req/s: p50 ${p50.at(-1)} ms, p99 ${p99.at(-1)} ms`);
    }
    const figures: Figure[] = [
      figure('enqueue → completed p50, half saturation', p50, 'ms'),
      figure('enqueue → completed p99, half saturation', p99, 'ms'),
    ];
    return {
      figures,
      notes: [
        `latency runs of ${seconds} s at ${rate} req/s = half of the ${Math.round(saturation)} jobs/s the pipeline sustained ` +
          `with a full queue in the same process (ingress + question-validation${insightsReady ? ' + decision-insights' : ''} workers); ` +
          `latency per job = finishedOn − timestamp`,
      ],
    };
  } finally {
    counter.close();
    await system.close();
  }
}

export default benchmark;
