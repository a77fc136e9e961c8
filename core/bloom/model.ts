import { readFileSync } from 'node:fs';
import { bloomModelSchema, type BloomModel } from './classifier.js';

/**
 * Loading and saving the learned parameters. This is the one place in core/bloom that touches the
 * file system, and only to read the committed model shipped with the code.
 *
 * Path resolution (dangerous spot for deployments): `tsc` compiles core/bloom/model.ts to
 * dist/core/bloom/model.js but does NOT copy JSON files. So we first try the sibling path
 * (./model/bloom-model.json — right when running from source with tsx, or if a build step copies
 * the file), then fall back to the repository source path three levels up from dist/core/bloom/
 * (dist/core/bloom → repo root → core/bloom/model/bloom-model.json).
 */

export const DEFAULT_MODEL_URLS: readonly URL[] = [
  new URL('./model/bloom-model.json', import.meta.url),
  new URL('../../../core/bloom/model/bloom-model.json', import.meta.url),
];

let cached: BloomModel | undefined;

/** Parses and validates model JSON (text or an already-parsed value). */
export function parseBloomModel(json: string | unknown): BloomModel {
  const value: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  return bloomModelSchema.parse(value);
}

/**
 * The committed default model, read once per thread and then shared (predict() caches its
 * compiled form per model object, so handing out one object keeps that cache warm).
 */
export function loadDefaultModel(): BloomModel {
  if (cached !== undefined) return cached;
  const tried: string[] = [];
  for (const url of DEFAULT_MODEL_URLS) {
    let text: string;
    try {
      text = readFileSync(url, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        tried.push(url.pathname);
        continue;
      }
      throw err;
    }
    cached = parseBloomModel(text);
    return cached;
  }
  throw new Error(`Bloom model not found (tried ${tried.join(', ')}); run \`npm run train:bloom\``);
}

/**
 * Stable, diff-friendly JSON: header fields first, then one feature per line in sorted order, so
 * retraining shows up in review as changed lines rather than one rewritten blob.
 */
export function serializeBloomModel(model: BloomModel): string {
  const { weights, ...header } = model;
  const lines = Object.keys(weights)
    .sort()
    .map((name) => `    ${JSON.stringify(name)}: ${JSON.stringify(weights[name])}`);
  // Arrays of plain values (levels, keyword lists, bias) on one line each; JSON strings cannot
  // contain raw newlines, so splitting on ",\n" is safe.
  const head = JSON.stringify(header, null, 2)
    .replace(/\[\n\s+([^[\]{}]*?)\n\s*\]/g, (_m, inner: string) => `[${inner.split(/,\n\s*/).join(', ')}]`)
    .replace(/\n}$/, '');
  return `${head},\n  "weights": {\n${lines.join(',\n')}\n  }\n}\n`;
}
