/** A CSV that cannot be read (an unterminated quoted field): the caller's input error, not ours. */
export class CsvSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/**
 * A small RFC 4180 CSV parser: quoted fields may hold commas, CR/LF line breaks and doubled
 * quotes (""), records end with LF or CRLF, a leading UTF-8 BOM is ignored and a trailing newline
 * does not create an empty record. Lenient where the RFC is silent: a quote inside an unquoted
 * field is kept literally, and text after a closing quote is appended to the field, since
 * hand-made datasets contain both.
 *
 * Lazy: records are yielded one at a time, so a caller that stops at a cap holds only the records
 * it kept (24 MB of newlines is 24 million records; building them all at once crashed the ingress).
 */
export function* iterateCsv(text: string, options: { skipBlankLines?: boolean } = {}): Generator<string[]> {
  let record: string[] = [];
  let field = '';
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let inQuotes = false;
  let fieldStarted = false;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i += 1;
        continue;
      }
      field += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      inQuotes = true;
      fieldStarted = true;
      i += 1;
      continue;
    }
    if (ch === ',') {
      record.push(field);
      field = '';
      fieldStarted = false;
      i += 1;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      if (options.skipBlankLines && record.length === 0 && !fieldStarted) {
        // A blank line: skipped in place, without building a record for it.
        i += 1;
        continue;
      }
      record.push(field);
      yield record;
      record = [];
      field = '';
      fieldStarted = false;
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += ch;
    fieldStarted = true;
    i += 1;
  }
  if (inQuotes) throw new CsvSyntaxError('CSV: unterminated quoted field');
  if (fieldStarted || field !== '' || record.length > 0) {
    record.push(field);
    yield record;
  }
}

/** Every record of a CSV text (see iterateCsv). */
export function parseCsv(text: string): string[][] {
  return [...iterateCsv(text)];
}

/**
 * Parses CSV with a header row into objects keyed by (trimmed, lower-cased) column name; blank
 * lines are skipped. With `maxRows`, stops reading once one row more than that has been seen, so
 * the caller can refuse an oversize file without the parser holding all of it.
 */
export function parseCsvObjects(text: string, options: { maxRows?: number } = {}): Record<string, string>[] {
  const max = options.maxRows ?? Number.POSITIVE_INFINITY;
  const records = iterateCsv(text, { skipBlankLines: true });
  const header = records.next();
  if (header.done) return [];
  const keys = header.value.map((h) => h.trim().toLowerCase());
  const out: Record<string, string>[] = [];
  for (const r of records) {
    if (r.length === 1 && r[0]!.trim() === '') continue; // whitespace-only lines
    out.push(Object.fromEntries(keys.map((k, j) => [k, r[j] ?? ''])));
    if (out.length > max) break;
  }
  return out;
}
