import { createHash } from 'node:crypto';

/**
 * Ids derived from the job that creates the thing (session, plan, decision): a retried job derives
 * the same id, so its upserts and traces land on what the first attempt wrote.
 */
export function derivedId(prefix: string, ...parts: string[]): string {
  return `${prefix}_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24)}`;
}
