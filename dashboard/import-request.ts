import { z } from 'zod';
import { questionInputSchema } from '../core/bloom/question-input.js';
import { type RowError, maxImportQuestions } from '../core/contracts/question-contracts.js';
import { CsvSyntaxError, parseCsvObjects } from '../core/csv.js';
import type { ImportRequest } from '../pipelines/flows/import-flow.js';
import { HttpError, issueDetails } from './http-error.js';

const jsonBodySchema = z.object({ questions: z.array(z.unknown()).min(1).max(maxImportQuestions) });

/**
 * A CSV row as a question: columns named like the JSON fields (`text`, `type`, `difficulty`,
 * `categoryId`, `learningObjective`, `answer`, `id`; `options` separated by `|`). Empty cells are
 * absent fields.
 */
function csvRowToQuestion(row: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(row)) {
    const value = raw.trim();
    if (value === '') continue;
    if (key === 'difficulty') out[key] = Number(value);
    else if (key === 'options') out[key] = value.split('|').map((o) => o.trim()).filter(Boolean);
    else out[key] = value;
  }
  return out;
}

/**
 * Turns an import body (JSON `{questions}` or CSV text with a header row) into the questions to
 * enqueue and the rows refused. Each row is checked on its own: one bad row is reported, not a
 * reason to refuse its 9 999 neighbours. A body with no valid row at all is a 400.
 */
export function parseImportRequest(body: unknown): ImportRequest {
  let rows: unknown[];
  if (typeof body === 'string') {
    let records: Record<string, string>[];
    try {
      // Stops one row past the cap: an oversize file is refused without being held whole.
      records = parseCsvObjects(body, { maxRows: maxImportQuestions });
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw new HttpError(400, 'malformed_csv', error.message);
      throw error;
    }
    if (records.length === 0) throw new HttpError(400, 'invalid_request', 'the CSV has no rows under its header');
    if (records.length > maxImportQuestions) {
      throw new HttpError(413, 'too_many_rows', `an import takes at most ${maxImportQuestions} questions; this one has more`);
    }
    rows = records.map(csvRowToQuestion);
  } else {
    const parsed = jsonBodySchema.safeParse(body);
    if (!parsed.success) {
      throw new HttpError(400, 'invalid_request', `expected {"questions": [...]} with 1 to ${maxImportQuestions} questions, or a CSV body`, issueDetails(parsed.error.issues));
    }
    rows = parsed.data.questions;
  }
  const questions: ImportRequest['questions'] = [];
  const rejected: RowError[] = [];
  rows.forEach((row, index) => {
    const parsed = questionInputSchema.safeParse(row);
    if (parsed.success) questions.push({ index, question: parsed.data });
    else rejected.push({ index, message: issueDetails(parsed.error.issues).map((d) => `${d.path}: ${d.message}`).join('; ').slice(0, 500) });
  });
  if (questions.length === 0) {
    throw new HttpError(400, 'invalid_request', 'no row of the import is a valid question', rejected.slice(0, 50));
  }
  return { questions, rejected };
}
