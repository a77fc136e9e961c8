import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BLOOM_LEVELS, isBloomLevel, type BloomLevel } from '../core/bloom/levels.js';
import type { TrainingRow, WeightAdjustments } from '../core/bloom/train.js';
import { defaultDataDir, listCsvFiles, readLabelledCsv } from './bloom-data.js';

/**
 * Options shared by bloom-train and bloom-eval. Paths come from argv only: the design keeps
 * environment reading in one config schema, and these are offline tools.
 */
/** parseArgs options of the training data, taken alike by bloom-train and bloom-eval. */
export const bloomDataOptions = {
  data: { type: 'string' },
  extra: { type: 'string', multiple: true },
  keywords: { type: 'string' },
  weights: { type: 'string' },
} as const;

export interface BloomDataArgs {
  dataDir: string;
  extra: string[];
  keywords?: Partial<Record<BloomLevel, string[]>>;
  weights?: WeightAdjustments;
}

export function readKeywordsFile(file: string): Partial<Record<BloomLevel, string[]>> {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (raw === null || typeof raw !== 'object') throw new Error(`${file}: expected {"<Level>": ["verb", …]}`);
  const out: Partial<Record<BloomLevel, string[]>> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!isBloomLevel(k)) throw new Error(`${file}: unknown level "${k}" (use one of ${BLOOM_LEVELS.join(', ')})`);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${file}: "${k}" must be an array of strings`);
    out[k] = v;
  }
  return out;
}

export function readWeightsFile(file: string): WeightAdjustments {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const out: WeightAdjustments = {};
  const numbers = (v: unknown, what: string): Record<string, number> => {
    if (v === null || typeof v !== 'object') throw new Error(`${file}: "${what}" must be an object of numbers`);
    for (const [k, n] of Object.entries(v)) {
      if (typeof n !== 'number' || !(n >= 0)) throw new Error(`${file}: ${what}.${k} must be a number ≥ 0`);
    }
    return v as Record<string, number>;
  };
  if (raw.sources !== undefined) out.sources = numbers(raw.sources, 'sources');
  if (raw.levels !== undefined) {
    const levels = numbers(raw.levels, 'levels');
    for (const k of Object.keys(levels)) if (!isBloomLevel(k)) throw new Error(`${file}: unknown level "${k}"`);
    out.levels = levels as Partial<Record<BloomLevel, number>>;
  }
  return out;
}

export function loadRows(args: BloomDataArgs, warn: (msg: string) => void): { files: string[]; rows: TrainingRow[] } {
  const files = [...listCsvFiles(resolve(args.dataDir)), ...args.extra.map((f) => resolve(f))];
  if (files.length === 0) throw new Error(`no CSV files in ${args.dataDir}`);
  const rows = files.flatMap((f) => readLabelledCsv(f, warn));
  return { files, rows };
}

export function dataArgs(values: { data?: string; extra?: string[]; keywords?: string; weights?: string }): BloomDataArgs {
  return {
    dataDir: values.data ?? defaultDataDir(),
    extra: values.extra ?? [],
    keywords: values.keywords ? readKeywordsFile(values.keywords) : undefined,
    weights: values.weights ? readWeightsFile(values.weights) : undefined,
  };
}
