import { z } from 'zod';

/**
 * Identifiers that travel in URLs, job ids and Redis keys: bounded, and limited to characters that
 * need no escaping anywhere (no ':' — BullMQ uses it as a key separator).
 */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.@-]+$/, 'may contain only letters, digits and _ . @ -');

export const isoDateTimeSchema = z.iso.datetime({ offset: true });
