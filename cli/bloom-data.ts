import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBloomLevel } from '../core/bloom/levels.js';
import type { TrainingRow } from '../core/bloom/train.js';
import { parseCsvObjects } from '../core/csv.js';

/** Shared file handling for bloom-train and bloom-eval; core/bloom itself does no I/O. */

/** Repository root: this file lives in <root>/cli (or <root>/dist/cli once compiled). */
export function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const up = resolve(here, '..');
  return basename(up) === 'dist' ? resolve(up, '..') : up;
}

/** The shared labelled data lives next to the repository, never inside it (licence terms). */
export function defaultDataDir(): string {
  return resolve(repoRoot(), '../shared/data/bloom');
}

export function listCsvFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith('.csv'))
    .sort()
    .map((f) => join(dir, f));
}

export function sourceName(file: string): string {
  return basename(file).replace(/\.csv$/i, '');
}

/** Reads a `question,level` CSV; rows with an empty text or unknown level are reported and skipped. */
export function readLabelledCsv(file: string, warn: (msg: string) => void = () => {}): TrainingRow[] {
  const source = sourceName(file);
  const rows: TrainingRow[] = [];
  let skipped = 0;
  for (const rec of parseCsvObjects(readFileSync(file, 'utf8'))) {
    const text = (rec.question ?? rec.text ?? '').trim();
    const level = parseBloomLevel(rec.level ?? '');
    if (text === '' || level === undefined) {
      skipped += 1;
      continue;
    }
    rows.push({ text, level, source });
  }
  if (skipped > 0) warn(`${basename(file)}: skipped ${skipped} row(s) without text or with an unknown level`);
  return rows;
}

/** yyyymmdd of the newest input file, so retraining on unchanged data keeps the same version. */
export function newestDate(files: readonly string[]): string {
  const newest = Math.max(...files.map((f) => statSync(f).mtimeMs));
  return new Date(newest).toISOString().slice(0, 10).replace(/-/g, '');
}
