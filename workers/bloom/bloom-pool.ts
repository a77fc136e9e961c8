import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { BloomScore } from '../../core/bloom/bloom-score.js';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import { loadDefaultModel } from '../../core/bloom/model.js';
import { bloomScoringSeconds, bloomThreadComputeSeconds } from '../../observability/bloom-metrics.js';
import { MicroBatcher } from '../runtime/micro-batcher.js';
import type { ScoredBatch } from './score-thread.js';
import { fromErrorData } from './thread-errors.js';

// In production this file is compiled to .js next to a compiled score-thread.js. Under tests and
// `tsx` it runs as .ts, and the threads need tsx's loader to import the TypeScript thread file.
const runningFromSource = import.meta.url.endsWith('.ts');
const threadFile = new URL(runningFromSource ? './score-thread.ts' : './score-thread.js', import.meta.url).href;

/**
 * Below this many questions a batch is not split across threads: a thread hop costs about as
 * much as scoring a question or two, so tiny slices would cost more than they save.
 */
const MIN_SLICE = 8;
/** Single-question calls gathered into one task at most (see `score`). */
const MAX_COALESCED = 16;
/**
 * How long a lone question waits for company. Dangerous spot: at 0 a thread that frees up takes
 * whatever is waiting that instant (often one question: the callers it just answered have not sent
 * their next one yet), and the pool falls back to a hop per question.
 */
const COALESCE_WAIT_MS = 1;

export interface BloomPoolOptions {
  /** Default: one thread per core. */
  threads?: number;
}

/** Bloom scoring on Piscina worker threads, so CPU-heavy scoring never blocks the event loop. */
export class BloomPool {
  readonly threads: number;
  /** The version every thread scores with; stored with each validation. */
  readonly modelVersion: string = loadDefaultModel().version;
  private readonly pool: Piscina;
  private readonly singles: MicroBatcher<QuestionInput, BloomScore | Error>;

  constructor(options: BloomPoolOptions = {}) {
    this.threads = options.threads ?? availableParallelism();
    this.pool = new Piscina({
      filename: threadFile,
      minThreads: this.threads,
      maxThreads: this.threads,
      execArgv: runningFromSource ? ['--import', 'tsx'] : [],
      // Queue is unbounded on purpose: BullMQ concurrency already bounds what is in flight.
      idleTimeout: 60_000,
    });
    // A validate job scores one question. Sent one per task, the hops cost more than the
    // scoring (bench: 0.9× one thread). Two tasks per thread in flight keep every thread busy;
    // questions arriving while all are taken wait and leave together as the next task, so batches
    // grow with the load, and a lone question waits at most COALESCE_WAIT_MS.
    this.singles = new MicroBatcher({
      maxItems: MAX_COALESCED,
      maxWaitMs: COALESCE_WAIT_MS,
      maxConcurrentFlushes: this.threads * 2,
      flush: (questions) => this.runTask(questions),
    });
  }

  /**
   * Scores a batch; each entry is a score or the rebuilt error. A large batch is split so every
   * thread takes a share (an import chunk scored alone would otherwise keep one core idle).
   */
  async scoreMany(questions: QuestionInput[]): Promise<(BloomScore | Error)[]> {
    const slices = Math.max(1, Math.min(this.threads, Math.floor(questions.length / MIN_SLICE)));
    if (slices === 1) return this.runTask(questions);
    const size = Math.ceil(questions.length / slices);
    const parts = await Promise.all(Array.from({ length: slices }, (_, i) => this.runTask(questions.slice(i * size, (i + 1) * size))));
    return parts.flat();
  }

  /** Scores one question; concurrent calls share thread hops. */
  async score(question: QuestionInput): Promise<BloomScore> {
    const outcome = await this.singles.add(question);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /** Tasks the threads have finished (Piscina's count): how many hops the scoring took. */
  get completedTasks(): number {
    return this.pool.completed;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async runTask(questions: QuestionInput[]): Promise<(BloomScore | Error)[]> {
    const endTimer = bloomScoringSeconds.startTimer();
    const { outcomes, computeSeconds }: ScoredBatch = await this.pool.run(questions);
    endTimer();
    bloomThreadComputeSeconds.observe(computeSeconds);
    return outcomes.map((o) => (o.ok ? (JSON.parse(o.value) as BloomScore) : fromErrorData(o.error)));
  }
}
