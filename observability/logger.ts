import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (pino). Request lines carry `requestId` (dashboard/create-ingress.ts), job
 * lines carry `jobId` (the job-scoped child logger of workers/runtime/run-workers.ts).
 *
 * Secrets never reach the output, whatever the caller logs, in two passes:
 * - every log object's values under secret-looking keys (authorization, cookie, password, token,
 *   api key… at any depth, any case) are blanked before serialisation (`redactSecrets`);
 * - every finished JSON line (message, child bindings, error messages and stacks included) has the
 *   credentials inside URLs, `Bearer`/`Basic` values and secret-keyed strings blanked (`redactLine`).
 * Objects that are not plain (an IncomingMessage, a Socket) are left to the serializers, which log
 * only chosen fields.
 */

const censor = '[redacted]';
const secretKeys = 'authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?keys?|password|passwd|secret|client[-_]?secret|token|access[-_]?token|refresh[-_]?token|metrics[-_]?token|database[-_]?url|redis[-_]?url|alert[-_]?webhook[-_]?url';
const secretKey = new RegExp(`^(${secretKeys})$`, 'i');
const secretKeyedString = new RegExp(`"(${secretKeys})":"(?:[^"\\\\]|\\\\.)*"`, 'gi');
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@"]*):([^\s@/"]*)@/gi;
const authScheme = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const maxDepth = 8;

/** `postgres://user:secret@host/db` → `postgres://user:[redacted]@host/db`; also `Bearer abc` → `Bearer [redacted]`. */
export function redactString(text: string): string {
  if (!text.includes('://') && !/Bearer|Basic/.test(text)) return text;
  return text.replace(urlCredentials, `$1$2:${censor}@`).replace(authScheme, `$1 ${censor}`);
}

/** Kept for callers that log a URL on purpose (app/infrastructure.ts). */
export const redactUrl = redactString;

/** The last pass, over a serialised JSON line: reaches child bindings and messages too. */
export function redactLine(line: string): string {
  return redactString(line).replace(secretKeyedString, `"$1":"${censor}"`);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A copy with values under secret keys blanked, or the value itself when there was none (no allocation). */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > maxDepth) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = redactSecrets(item, depth + 1);
      if (next !== item) (copy ??= [...value])[i] = next;
    });
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const next = secretKey.test(key) && item !== undefined && item !== null ? censor : redactSecrets(item, depth + 1);
    if (next !== item) (copy ??= { ...value })[key] = next;
  }
  return (copy ?? value) as T;
}

export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'learnloop', ...base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (object) => redactSecrets(object) },
      hooks: { streamWrite: redactLine },
    },
    destination,
  );
}
