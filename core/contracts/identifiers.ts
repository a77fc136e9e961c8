import { z } from 'zod';

/**
 * THE id grammar (issue 18): identifiers that travel in URLs, job ids, decision ids and Redis keys
 * are bounded and limited to characters that need no escaping anywhere — no ':' (BullMQ's key
 * separator, refused in custom job ids), no '/', no space, no '%'. The edge, the job-id recipes
 * (pipelines/keys.ts) and the decision-id recipes all hold to it, so an id accepted at the door is
 * never refused, or silently dropped, further in.
 */
export const idPattern = /^[A-Za-z0-9_.@-]+$/;
export const idMaxLength = 128;

export const idSchema = z
  .string()
  .min(1)
  .max(idMaxLength)
  .regex(idPattern, 'may contain only letters, digits and _ . @ -');

/**
 * What a Postgres `timestamptz` refuses although ISO 8601 (and zod) allow it: the year 0000
 * ("date/time field value out of range", 22008) and a UTC offset beyond ±15:59 ("time zone
 * displacement out of range", 22009). Accepted at the edge, either failed its job in the store.
 */
export function isStorableDateTime(value: string): boolean {
  if (value.startsWith('0000')) return false;
  const offset = /([+-])(\d{2}):?(\d{2})?$/.exec(value);
  return offset === null || Number(offset[2]) <= 15;
}

/** ISO 8601 date-time with an offset (or Z), storable in a Postgres timestamptz. */
export const isoDateTimeSchema = z.iso
  .datetime({ offset: true })
  .refine(isStorableDateTime, 'must fall in the years 0001–9999 with a UTC offset within ±15:59');

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text Postgres can store: no NUL (refused in `text`) and no lone UTF-16 surrogate (refused in
 * `jsonb`: "invalid input syntax for type json"). Either one, accepted at the edge, failed its job
 * eight times and dead-lettered its decision trace.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !loneSurrogate.test(text);
}

export const storableTextMessage = 'may not contain NUL characters or unpaired UTF-16 surrogates';

/** A string schema refusing what Postgres cannot store (see isStorableText). */
export const storableText = () => z.string().refine(isStorableText, storableTextMessage);

/**
 * One pass over a parsed JSON body, without recursion: nesting deeper than `maxDepth`, or a string
 * (value or key) Postgres could not store — NUL or a lone surrogate, which JSON can spell as
 * `\u0000` / `\ud800`. No field of any route or job may carry either: the ingress refuses them in any body, and
 * job payloads with free-form JSON (decision-trace inputs and outputs) refuse them in their schema.
 */
export function inspectJson(value: unknown, maxDepth: number): 'too_deep' | 'unstorable_text' | undefined {
  // Two parallel stacks and for…in rather than [value, depth] tuples and Object.entries: every
  // decision trace's inputs and outputs pass through here twice (producer and worker), and the
  // allocations were most of the cost.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const current = values.pop();
    const depth = depths.pop()!;
    if (typeof current === 'string') {
      if (!isStorableText(current)) return 'unstorable_text';
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > maxDepth) return 'too_deep';
    if (Array.isArray(current)) {
      for (const child of current) {
        if (child !== null && (typeof child === 'object' || typeof child === 'string')) {
          values.push(child);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key in current) {
      if (!Object.hasOwn(current, key)) continue;
      if (!isStorableText(key)) return 'unstorable_text';
      const child = (current as Record<string, unknown>)[key];
      if (child !== null && (typeof child === 'object' || typeof child === 'string')) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}

/** A JSON value Postgres can store in `jsonb`: every string and key storable (isStorableText). */
export function isStorableJson(value: unknown): boolean {
  return inspectJson(value, Number.POSITIVE_INFINITY) === undefined;
}
