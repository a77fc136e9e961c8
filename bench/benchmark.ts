import type { BenchEnv } from './bench-env.js';

/**
 * The contract of a benchmark module (`bench/benchmarks/*.ts`, listed in `bench/benchmarks/index.ts`).
 *
 * A module default-exports `{ name, run(env) }` (its title lives in the registry, so a module that
 * cannot even be imported still gets a readable row); `run` returns figures. Every figure is the
 * median of several runs, carries its min, max and every run, and — where a comparison makes sense
 * — a baseline measured in the same process run, with the ratio value / baseline.
 *
 * A module whose dependency has not landed yet (a processor, a core module, `bench/insights.ts`)
 * throws `MissingDependencyError`, or simply fails to import: the harness reports it as skipped,
 * with the reason, in the table — never silently.
 */

/** One measured quantity: the median of `runs`, with their spread. */
export interface Measure {
  value: number;
  unit: string;
  min: number;
  max: number;
  runs: number[];
}

/** Targets apply to the ratio when there is a baseline, else to the value. */
export interface Target {
  atLeast?: number;
  atMost?: number;
}

export interface Figure extends Measure {
  /** Short label, unique within its benchmark ("pool, 2 threads"). */
  name: string;
  baseline?: Measure & { name: string };
  /** value / baseline.value (medians). */
  ratio?: number;
  target?: Target;
  /** Set by the harness from `target`. */
  met?: boolean;
  note?: string;
}

export interface BenchOutcome {
  figures: Figure[];
  /** Conditions worth reading next to the numbers (sizes, concurrency, what was left out). */
  notes?: string[];
}

export interface Benchmark {
  /** Stable id (the file name), used by `--only` and in latest.json. */
  name: string;
  run(env: BenchEnv): Promise<BenchOutcome>;
}

/** Thrown when something a benchmark measures is not there yet; reported as "skipped: <reason>". */
export class MissingDependencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingDependencyError';
  }
}

/**
 * Whether an error means "a file or export this benchmark needs does not exist (yet)": a module
 * not found while importing, or a named export missing from a module that does exist.
 */
export function missingDependencyReason(error: unknown, repoRoot: string): string | undefined {
  if (error instanceof MissingDependencyError) return error.message;
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: string }).code;
  const short = (text: string) => text.split(`${repoRoot}/`).join('').split('file://').join('');
  if (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module/.test(error.message)) {
    const missing = /Cannot find (?:module|package) '([^']+)'/.exec(error.message)?.[1];
    return `missing module ${short(missing ?? error.message)}`;
  }
  if (error instanceof SyntaxError && /does not provide an export named/.test(error.message)) {
    return `incomplete module: ${short(error.message)}`;
  }
  return undefined;
}
