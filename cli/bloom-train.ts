import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { serializeBloomModel } from '../core/bloom/model.js';
import { fitCalibration, leaveOneSourceOut } from '../core/bloom/cross-fit.js';
import { stemRows } from '../core/bloom/question-stems.js';
import { analyseRows, trainAnalysed } from '../core/bloom/train.js';
import { dataArgs, loadRows, bloomDataOptions } from './bloom-args.js';
import { newestDate, repoRoot } from './bloom-data.js';

/**
 * Regenerates the committed Bloom model from the shared labelled CSVs (which must never be copied
 * into the repository; only the learned parameters are committed), plus the question-stem prior
 * (core/bloom/question-stems.ts). Trains one model per source without that source to fit the
 * confidence calibration out of source, then the shipped model on everything.
 *
 *   npx tsx cli/bloom-train.ts [--data ../shared/data/bloom] [--extra file.csv …]
 *                              [--keywords keywords.json] [--weights weights.json]
 *                              [--out core/bloom/model/bloom-model.json] [--date yyyymmdd]
 *
 * keywords.json: {"Evaluate": ["triage"], …} — verbs added to the default keyword lists.
 * weights.json:  {"sources": {"edm2022_lo_singlelabel": 0.5}, "levels": {"Create": 1.2}} —
 *                multipliers applied after the built-in source/level balancing.
 * The version date defaults to the newest input file's date, so retraining unchanged inputs
 * reproduces the same version string.
 */
function main(): void {
  const { values } = parseArgs({
    options: {
      ...bloomDataOptions,
      out: { type: 'string' },
      date: { type: 'string' },
    },
  });
  const args = dataArgs(values);
  const out = resolve(values.out ?? resolve(repoRoot(), 'core/bloom/model/bloom-model.json'));
  if (values.date !== undefined && !/^\d{8}$/.test(values.date)) throw new Error('--date must be yyyymmdd');

  const started = performance.now();
  const { files, rows } = loadRows(args, (m) => console.warn(`warning: ${m}`));
  const analysed = analyseRows(rows);
  // The question-stem prior joins every training set (question-stems.ts); it is never tested.
  const stems = analysed.length > 0 ? analyseRows(stemRows()) : [];
  const trainOptions = { keywords: args.keywords, weights: args.weights };
  // Confidence is calibrated on out-of-source predictions: one model per source trained without
  // it (leave-one-dataset-out), the same procedure `eval:bloom` measures.
  const calibration = fitCalibration(leaveOneSourceOut(analysed, trainOptions, stems));
  const model = trainAnalysed([...analysed, ...stems], {
    ...trainOptions,
    calibration,
    trainedOn: values.date ?? newestDate(files),
  });
  const json = serializeBloomModel(model);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, json);

  const t = model.training as { sources: Record<string, number>; features: { seen: number; fitted: number; kept: number } };
  console.log(`trained ${model.version} on ${rows.length} rows + ${stems.length} question stems in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const [source, n] of Object.entries(t.sources)) console.log(`  ${source.padEnd(28)} ${String(n).padStart(6)}`);
  console.log(`features: ${t.features.seen} seen, ${t.features.fitted} fitted, ${t.features.kept} kept`);
  console.log(`calibration: temperature ${calibration.temperature}, review below a top-two gap of ${calibration.reviewMargin}`);
  console.log(`wrote ${relative(process.cwd(), out) || out} (${(Buffer.byteLength(json) / 1024).toFixed(0)} KiB)`);
}

main();
