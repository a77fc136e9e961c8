import { hash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ApiKey, ApiKeyScope } from '../../core/config/config-schema.js';
import { HttpError } from '../http-error.js';

/**
 * API-key auth. Keys are loaded as SHA-256 digests; a presented key is hashed and its digest looked
 * up. The lookup needs no constant-time comparison: what it could leak is how close the presented
 * key's digest is to a known one, which says nothing about the key (finding a key whose digest
 * shares a prefix with another's is a preimage search). A key that matched is then remembered as
 * presented (KeyRing.matched): a Map lookup compares characters only with an entry whose string
 * hash equals the presented key's, and a guess cannot aim at a hash it never sees, so timing tells
 * a guesser no more than the 401 does.
 */
export interface Caller {
  scope: ApiKeyScope;
  /** First 12 hex characters of the key's digest: names the caller in logs and the audit log. */
  keyId: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
    /** The scope the matched route demands; the audit middleware audits operator mutations. */
    requiredScope?: ApiKeyScope;
  }
}

/** A requireScope middleware carries its scope, so the route table can say what each route needs. */
export type ScopeGuard = ((req: Request, res: Response, next: NextFunction) => void) & { requiredScope: ApiKeyScope };

const digestHex = (key: string) => hash('sha256', key, 'hex');

export class KeyRing {
  /** Digest (hex) → the caller it identifies, built once: a request allocates nothing to be identified. */
  private readonly callers = new Map<string, Caller>();
  /**
   * Presented key → its caller, for keys that matched: a known key is hashed once per process, not
   * once per request. Only matches are remembered, so this holds at most the configured keys
   * (which the configuration holds anyway), and random or guessed keys cannot grow it.
   */
  private readonly matched = new Map<string, Caller>();

  constructor(keys: ApiKey[]) {
    for (const k of keys) {
      const hex = digestHex(k.key);
      // The same key listed twice keeps its first scope, as the list is read in order.
      if (!this.callers.has(hex)) this.callers.set(hex, Object.freeze({ scope: k.scope, keyId: hex.slice(0, 12) }));
    }
  }

  identify(presented: string): Caller | undefined {
    const remembered = this.matched.get(presented);
    if (remembered) return remembered;
    const caller = this.callers.get(digestHex(presented));
    if (caller) this.matched.set(presented, caller);
    return caller;
  }
}

/** Bearer token, or (for browsers on Bull Board) HTTP Basic with the key as the password. */
function presentedKey(header: string): { key: string; basic: boolean } | undefined {
  // Exactly `<scheme> <credential>`: `Bearer <key> extra` is not a key followed by noise, it is
  // malformed, and is refused like a wrong key.
  const match = /^(\S+) +(\S+) *$/.exec(header);
  if (!match) return undefined;
  const [, scheme, value] = match as unknown as [string, string, string];
  if (scheme.toLowerCase() === 'bearer') return { key: value, basic: false };
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return { key: decoded.slice(decoded.indexOf(':') + 1), basic: true };
  }
  return undefined;
}

/**
 * The caller a request identifies itself as (Bearer or Basic), without deciding anything: the
 * rate limiter buckets by it. Routes decide with requireScope.
 */
export function identifyRequest(keys: KeyRing, req: Request): Caller | undefined {
  return identifyOnce(keys, req, true);
}

/**
 * The Authorization header is read once per request: the body gate, the rate limiter and the
 * route's scope guard all ask who the caller is. Remembered on the request (a symbol-keyed slot,
 * cheaper than a WeakMap entry per request) for that exact header and ring; a Basic credential
 * identifies only where Basic is allowed.
 */
const identified = Symbol('learnloop.identified');
type Identified = { keys: KeyRing; header: string; basic: boolean; caller: Caller | undefined };
function identifyOnce(keys: KeyRing, req: Request, allowBasic: boolean): Caller | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const slot = req as unknown as { [identified]?: Identified };
  let known = slot[identified];
  if (!known || known.keys !== keys || known.header !== header) {
    const presented = presentedKey(header);
    known = { keys, header, basic: presented?.basic ?? false, caller: presented && keys.identify(presented.key) };
    slot[identified] = known;
  }
  return known.basic && !allowBasic ? undefined : known.caller;
}

export function requireScope(keys: KeyRing, scope: ApiKeyScope, options: { allowBasic?: boolean } = {}): ScopeGuard {
  const guard = (req: Request, res: Response, next: NextFunction) => {
    req.requiredScope = scope;
    const caller = identifyOnce(keys, req, options.allowBasic ?? false);
    if (!caller) {
      if (options.allowBasic) res.setHeader('WWW-Authenticate', 'Basic realm="learnloop operators", charset="UTF-8"');
      throw new HttpError(401, 'unauthorized', 'a valid API key is required (Authorization: Bearer <key>)');
    }
    // Known before the scope check, so a producer key trying an operator action is audited too.
    req.caller = caller;
    // operator may do everything a producer may.
    if (scope === 'operator' && caller.scope !== 'operator') {
      throw new HttpError(403, 'forbidden', 'this endpoint needs an operator key');
    }
    next();
  };
  return Object.assign(guard, { requiredScope: scope });
}
