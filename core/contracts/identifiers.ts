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

export const isoDateTimeSchema = z.iso.datetime({ offset: true });

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
