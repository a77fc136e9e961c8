/**
 * Replaces a learner id inside a JSON value with its pseudonym: only inside string values (object
 * keys and numbers are never touched, so the result is always valid JSON), and only where the id
 * stands as a whole token — not next to a letter or digit — so the id `8` turns
 * `"gdpr-export-8"` into `"gdpr-export-erased-…"` but leaves `"req-812"` and the status 202 alone.
 * The earlier text-level `replace(details::text, id, pseudonym)::jsonb` broke the JSON (and every
 * other string) for ids as short as one digit.
 */
export function pseudonymiseJson(value: unknown, id: string, pseudonym: string): unknown {
  if (typeof value === 'string') return replaceToken(value, id, pseudonym);
  if (Array.isArray(value)) return value.map((v) => pseudonymiseJson(v, id, pseudonym));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, pseudonymiseJson(v, id, pseudonym)]));
  }
  return value;
}

/**
 * A token boundary is anything but a letter or digit. Separators an id may itself contain (`-`, `.`,
 * `_`, `@`) count as boundaries, so an id embedded in a job id (`gdpr-erase-8`) is found; for
 * privacy, replacing too much in the audit log is the safe side.
 */
const idChar = /[A-Za-z0-9]/;

function replaceToken(text: string, id: string, pseudonym: string): string {
  if (id.length === 0 || !text.includes(id)) return text;
  let out = '';
  let from = 0;
  for (let at = text.indexOf(id); at !== -1; at = text.indexOf(id, at + id.length)) {
    const before = at > 0 ? text[at - 1]! : '';
    const after = text[at + id.length] ?? '';
    if ((before && idChar.test(before)) || (after && idChar.test(after))) continue;
    out += text.slice(from, at) + pseudonym;
    from = at + id.length;
  }
  return out + text.slice(from);
}
