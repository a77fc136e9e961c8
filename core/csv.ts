/**
 * A small RFC 4180 CSV parser: quoted fields may hold commas, CR/LF line breaks and doubled
 * quotes (""), records end with LF or CRLF, a leading UTF-8 BOM is ignored and a trailing newline
 * does not create an empty record. Lenient where the RFC is silent: a quote inside an unquoted
 * field is kept literally, and text after a closing quote is appended to the field, since
 * hand-made datasets contain both.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
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
      record.push(field);
      records.push(record);
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
  if (inQuotes) throw new Error('CSV: unterminated quoted field');
  if (fieldStarted || field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** Parses CSV with a header row into objects keyed by (trimmed, lower-cased) column name. */
export function parseCsvObjects(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (header === undefined) return [];
  const keys = header.map((h) => h.trim().toLowerCase());
  return rows
    .filter((r) => !(r.length === 1 && r[0]!.trim() === ''))
    .map((r) => Object.fromEntries(keys.map((k, j) => [k, r[j] ?? ''])));
}
