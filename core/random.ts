/**
 * Seeded pseudo-random numbers for the pure engine and the simulator.
 *
 * mulberry32 (Tommy Ettinger's 32-bit generator): tiny, fast and good enough for tie-breaking and
 * simulation — NOT for anything security-related. Every adaptive decision that needs randomness
 * takes an injected `Rng`, so a decision can be replayed exactly from its seed.
 */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Folds a string (a session id, a job id) into a 32-bit seed with FNV-1a, so a retried job that
 * derives its seed from its id makes the same choices again.
 */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createRng(seed: number | string): Rng {
  return mulberry32(typeof seed === 'string' ? hashSeed(seed) : seed);
}

/** Standard normal deviate (Box–Muller); the simulator uses it for abilities and difficulties. */
export function normal(rng: Rng, mean = 0, sd = 1): number {
  // 1 - rng() lies in (0, 1], so the logarithm is finite.
  const u = 1 - rng();
  const v = rng();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Fisher–Yates on a copy; the input is left untouched. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}
