import { parseArgs } from 'node:util';
import { argmax, scoreAnalysis } from '../core/bloom/classifier.js';
import { computeComplexity } from '../core/bloom/complexity.js';
import { BLOOM_LEVELS, levelIndex } from '../core/bloom/levels.js';
import { createRng } from '../core/random.js';
import { analyseRows, trainAnalysed, type AnalysedRow, type TrainOptions } from '../core/bloom/train.js';
import { dataArgs, loadRows, bloomDataOptions } from './bloom-args.js';

/**
 * Measures the Bloom classifier honestly:
 *  (a) stratified 5-fold cross-validation inside each source file (trained on that file only);
 *  (b) leave-one-dataset-out: train on every other file, test on the held-out one;
 *  (c) with --with-others: 5-fold CV inside each file, but the training folds are joined by all
 *      other files — closest to the shipped model, which is trained on everything.
 * Folds come from a fixed seed, so runs are reproducible.
 *
 *   npx tsx cli/bloom-eval.ts [--data DIR] [--extra file.csv …] [--keywords k.json] [--weights w.json]
 *                             [--folds 5] [--seed 42] [--with-others] [--quiet]
 *                             [--only cv|lodo] [--dataset NAME …] [--l2 X] [--source-balance X] [--class-balance X]
 *                             [--complexity]   (print per-level complexity percentiles instead)
 * The last three override training options for experiments; the committed model uses the defaults.
 */

const K = BLOOM_LEVELS.length;

interface Result {
  setting: string;
  dataset: string;
  n: number;
  accuracy: number;
  macroF1: number;
  confusion: number[][];
}

function metrics(truth: number[], pred: number[]): { accuracy: number; macroF1: number; confusion: number[][] } {
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i += 1) {
    confusion[truth[i]!]![pred[i]!]! += 1;
    if (truth[i] === pred[i]) correct += 1;
  }
  // Macro-F1 over the levels the test set actually contains: a level with no examples has no
  // defined recall, and counting it as 0 would punish a source for what it lacks.
  const f1s: number[] = [];
  for (let k = 0; k < K; k += 1) {
    const support = confusion[k]!.reduce((a, b) => a + b, 0);
    if (support === 0) continue;
    const tp = confusion[k]![k]!;
    const predicted = confusion.reduce((a, row) => a + row[k]!, 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = tp / support;
    f1s.push(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall));
  }
  return {
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    macroF1: f1s.length === 0 ? 0 : f1s.reduce((a, b) => a + b, 0) / f1s.length,
    confusion,
  };
}

function evaluate(train: AnalysedRow[], test: AnalysedRow[], options: TrainOptions): { truth: number[]; pred: number[] } {
  const model = trainAnalysed(train, options);
  return {
    truth: test.map((r) => levelIndex(r.level)),
    pred: test.map((r) => argmax(scoreAnalysis(model, r.analysis).probs)),
  };
}

/** Stratified folds: each level's rows are shuffled with a seeded RNG and dealt round-robin. */
function stratifiedFolds(rows: readonly AnalysedRow[], folds: number, seed: number): number[] {
  const rng = createRng(seed);
  const fold = new Array<number>(rows.length).fill(0);
  let offset = 0;
  for (let k = 0; k < K; k += 1) {
    const idx = rows.map((r, i) => [r, i] as const).filter(([r]) => levelIndex(r.level) === k).map(([, i]) => i);
    for (let i = idx.length - 1; i > 0; i -= 1) {
      const j = Math.floor(rng() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    // Continue dealing where the previous level stopped so small levels spread over all folds.
    idx.forEach((rowIndex, p) => {
      fold[rowIndex] = (p + offset) % folds;
    });
    offset = (offset + idx.length) % folds;
  }
  return fold;
}

function crossValidate(rows: AnalysedRow[], others: AnalysedRow[], folds: number, seed: number, options: TrainOptions) {
  const fold = stratifiedFolds(rows, folds, seed);
  const truth: number[] = [];
  const pred: number[] = [];
  for (let f = 0; f < folds; f += 1) {
    const train = [...others, ...rows.filter((_, i) => fold[i] !== f)];
    const test = rows.filter((_, i) => fold[i] === f);
    const r = evaluate(train, test, options);
    truth.push(...r.truth);
    pred.push(...r.pred);
  }
  return metrics(truth, pred);
}

function printResult(r: Result, quiet: boolean): void {
  console.log(`\n== ${r.setting} · ${r.dataset} (n=${r.n})  accuracy ${r.accuracy.toFixed(3)}  macro-F1 ${r.macroF1.toFixed(3)}`);
  if (quiet) return;
  const abbr = BLOOM_LEVELS.map((l) => l.slice(0, 5));
  console.log(`   truth \\ predicted ${abbr.map((a) => a.padStart(6)).join('')}`);
  r.confusion.forEach((row, k) => {
    console.log(`   ${BLOOM_LEVELS[k]!.padEnd(18)}${row.map((c) => String(c).padStart(6)).join('')}`);
  });
}

/** Where COMPLEXITY_BANDS in core/bloom/rules.ts come from: per-level percentiles on labelled data. */
function printComplexityPercentiles(rows: readonly AnalysedRow[]): void {
  console.log(`${'level'.padEnd(12)}${'n'.padStart(7)}${'p5'.padStart(8)}${'p25'.padStart(8)}${'p50'.padStart(8)}${'p75'.padStart(8)}${'p95'.padStart(8)}`);
  for (const level of BLOOM_LEVELS) {
    const values = rows
      .filter((r) => r.level === level)
      .map((r) => {
        const s = r.analysis.structure;
        const verbs = [s.governingVerb, ...s.coordinatedVerbs, ...s.otherVerbs].filter((v): v is string => v !== undefined);
        return computeComplexity({ text: r.text, level, verbs }).value;
      })
      .sort((a, b) => a - b);
    const q = (p: number): string => (values[Math.min(values.length - 1, Math.floor(p * values.length))] ?? 0).toFixed(3).padStart(8);
    console.log(`${level.padEnd(12)}${String(values.length).padStart(7)}${q(0.05)}${q(0.25)}${q(0.5)}${q(0.75)}${q(0.95)}`);
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      ...bloomDataOptions,
      folds: { type: 'string', default: '5' },
      seed: { type: 'string', default: '42' },
      'with-others': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      complexity: { type: 'boolean', default: false },
      only: { type: 'string' },
      dataset: { type: 'string', multiple: true },
      l2: { type: 'string' },
      'source-balance': { type: 'string' },
      'class-balance': { type: 'string' },
    },
  });
  const args = dataArgs(values);
  const folds = Number(values.folds);
  const seed = Number(values.seed);
  const options: TrainOptions = {
    keywords: args.keywords,
    weights: args.weights,
    l2: values.l2 === undefined ? undefined : Number(values.l2),
    sourceBalance: values['source-balance'] === undefined ? undefined : Number(values['source-balance']),
    classBalance: values['class-balance'] === undefined ? undefined : Number(values['class-balance']),
  };
  const started = performance.now();
  const { rows } = loadRows(args, (m) => console.warn(`warning: ${m}`));
  const analysed = analyseRows(rows);
  const parseMs = performance.now() - started;
  const sources = [...new Set(analysed.map((r) => r.source ?? ''))].sort();
  // --dataset limits which files are *tested*; training still uses every other file.
  const tested = values.dataset === undefined ? sources : sources.filter((s) => values.dataset!.includes(s));
  console.log(`bloom-eval: ${analysed.length} rows from ${sources.length} sources, parsed in ${(parseMs / 1000).toFixed(1)} s`);

  if (values.complexity) {
    printComplexityPercentiles(analysed);
    return;
  }
  const results: Result[] = [];
  const only = values.only;
  for (const source of tested) {
    if (only !== undefined && only !== 'cv') break;
    const own = analysed.filter((r) => r.source === source);
    const r = crossValidate(own, [], folds, seed, options);
    results.push({ setting: `${folds}-fold CV`, dataset: source, n: own.length, ...r });
    printResult(results.at(-1)!, values.quiet);
  }
  for (const source of tested) {
    if (only !== undefined && only !== 'lodo') break;
    const test = analysed.filter((r) => r.source === source);
    const train = analysed.filter((r) => r.source !== source);
    const { truth, pred } = evaluate(train, test, options);
    results.push({ setting: 'leave-one-out', dataset: source, n: test.length, ...metrics(truth, pred) });
    printResult(results.at(-1)!, values.quiet);
  }
  if (values['with-others']) {
    for (const source of tested) {
      const own = analysed.filter((r) => r.source === source);
      const others = analysed.filter((r) => r.source !== source);
      const r = crossValidate(own, others, folds, seed, options);
      results.push({ setting: `${folds}-fold CV + others`, dataset: source, n: own.length, ...r });
      printResult(results.at(-1)!, values.quiet);
    }
  }

  console.log('\nSummary');
  console.log(`${'setting'.padEnd(20)}${'dataset'.padEnd(28)}${'n'.padStart(7)}${'accuracy'.padStart(10)}${'macro-F1'.padStart(10)}`);
  for (const r of results) {
    console.log(`${r.setting.padEnd(20)}${r.dataset.padEnd(28)}${String(r.n).padStart(7)}${r.accuracy.toFixed(3).padStart(10)}${r.macroF1.toFixed(3).padStart(10)}`);
  }
  console.log(`(seed ${seed}; ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

main();
