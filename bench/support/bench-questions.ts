import { existsSync } from 'node:fs';
import { listCsvFiles, readLabelledCsv } from '../../cli/bloom-data.js';
import { createRng } from '../../core/random.js';
import { MissingDependencyError } from '../benchmark.js';

/** A question as the validate endpoint and job take it (the fields the CSVs can fill). */
export interface BenchQuestion {
  id?: string;
  text: string;
  type: 'short_answer' | 'essay';
  learningObjective?: string;
}

/**
 * Realistic questions for the benchmarks: a seeded shuffle of every labelled row under `dir`
 * (read at run time; the data is licensed to stay outside the repository). The CSVs carry no
 * question type: a text ending in "?" is taken as short-answer, anything else (mostly imperative
 * tasks and learning objectives) as an essay prompt.
 */
export function loadBenchQuestions(dir: string, count: number, accept: (q: BenchQuestion) => boolean = () => true): BenchQuestion[] {
  if (!existsSync(dir)) throw new MissingDependencyError(`no Bloom data at ${dir} (pass --bloom-data DIR)`);
  const files = listCsvFiles(dir);
  if (files.length === 0) throw new MissingDependencyError(`no .csv files in ${dir}`);
  const all: BenchQuestion[] = files
    .flatMap((file) => readLabelledCsv(file))
    .map((row) => ({ text: row.text, type: row.text.trimEnd().endsWith('?') ? 'short_answer' : 'essay' }));
  // Fisher–Yates with a fixed seed: every run scores the same questions in the same order.
  const rng = createRng('learnloop-bench');
  for (let i = all.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rng() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const picked: BenchQuestion[] = [];
  for (const q of all) {
    if (picked.length >= count) break;
    if (accept(q)) picked.push(q);
  }
  if (picked.length === 0) throw new Error(`none of the ${all.length} questions in ${dir} is acceptable input`);
  return picked;
}

/** The i-th question of a cycle, with an id unique to (`tag`, i) so no two jobs dedupe. */
export function uniqueQuestion(questions: readonly BenchQuestion[], tag: string, i: number): BenchQuestion {
  return { ...questions[i % questions.length]!, id: `${tag}-${i}` };
}
