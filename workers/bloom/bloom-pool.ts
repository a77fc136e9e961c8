import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { BloomScore } from '../../core/bloom/bloom-score.js';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import { loadDefaultModel } from '../../core/bloom/model.js';
import { bloomScoringSeconds, bloomThreadComputeSeconds } from '../../observability/bloom-metrics.js';
import type { ScoredBatch } from './score-thread.js';
import { fromErrorData } from './thread-errors.js';

// In production this file is compiled to .js next to a compiled score-thread.js. Under tests and
// `tsx` it runs as .ts, and the threads need tsx's loader to import the TypeScript thread file.
const runningFromSource = import.meta.url.endsWith('.ts');
const threadFile = new URL(runningFromSource ? './score-thread.ts' : './score-thread.js', import.meta.url).href;

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
  }

  /** Scores a batch in one thread hop; each entry is a score or the rebuilt error. */
  async scoreMany(questions: QuestionInput[]): Promise<(BloomScore | Error)[]> {
    const endTimer = bloomScoringSeconds.startTimer();
    const { outcomes, computeSeconds }: ScoredBatch = await this.pool.run(questions);
    endTimer();
    bloomThreadComputeSeconds.observe(computeSeconds);
    return outcomes.map((o) => (o.ok ? o.value : fromErrorData(o.error)));
  }

  async score(question: QuestionInput): Promise<BloomScore> {
    const [outcome] = await this.scoreMany([question]);
    if (outcome instanceof Error) throw outcome;
    return outcome!;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
