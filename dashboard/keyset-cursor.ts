import type { z } from 'zod';
import { HttpError } from './http-error.js';

/**
 * Opaque keyset-pagination cursors: the position of the last row served, as base64url JSON.
 * Clients must not build or read them; the shape may change between versions.
 */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Decodes a cursor made by `encodeCursor` and checks it against `schema`; 400 if it is not one. */
export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string): z.output<S> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_cursor', 'cursor is not one this API handed out');
  }
  const parsed = schema.safeParse(decoded);
  if (!parsed.success) throw new HttpError(400, 'invalid_cursor', 'cursor is not one this API handed out');
  return parsed.data;
}
