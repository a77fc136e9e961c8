/**
 * The session mix: 30% spaced repetition, 25% knowledge gaps, 20% difficulty curve,
 * 15% learning style, 10% novel content.
 *
 * Rounding: largest remainder (Hamilton). Each share gets floor(size·weight); the seats left over
 * go to the largest fractional remainders; equal remainders go to the share listed first. The
 * arithmetic is done in integer basis points so a tie is a real tie, not a float accident.
 * Size 10 → 3/3/2/1/1 (remainders .5 for knowledge gaps and learning style: gaps is listed first).
 *
 * Fallback order when a share cannot be filled: its seat goes to the next share in the list
 * below, wrapping around (novel → spaced repetition → …), and if none of them has a fitting
 * question, to any eligible question ("any").
 */

export const SESSION_SHARES = ['spaced_repetition', 'knowledge_gaps', 'difficulty_curve', 'learning_style', 'novel'] as const;
export type SessionShare = (typeof SESSION_SHARES)[number];

export const SESSION_MIX: Readonly<Record<SessionShare, number>> = {
  spaced_repetition: 0.3,
  knowledge_gaps: 0.25,
  difficulty_curve: 0.2,
  learning_style: 0.15,
  novel: 0.1,
};

export function allocateSessionMix(size: number, mix: Readonly<Record<SessionShare, number>> = SESSION_MIX): Record<SessionShare, number> {
  const n = Math.max(0, Math.floor(size));
  const bp = SESSION_SHARES.map((share) => Math.round(mix[share] * 10_000));
  const total = bp.reduce((a, b) => a + b, 0);
  if (total <= 0) throw new Error('session mix weights must sum to a positive number');
  const seats = bp.map((w) => Math.floor((n * w) / total));
  const remainders = bp.map((w, i) => ({ i, r: (n * w) % total }));
  let left = n - seats.reduce((a, b) => a + b, 0);
  // Stable sort: among equal remainders the earlier share keeps precedence.
  remainders.sort((a, b) => b.r - a.r);
  for (const { i } of remainders) {
    if (left <= 0) break;
    seats[i] = (seats[i] ?? 0) + 1;
    left -= 1;
  }
  const out = {} as Record<SessionShare, number>;
  SESSION_SHARES.forEach((share, i) => {
    out[share] = seats[i] ?? 0;
  });
  return out;
}

/** The shares that take over an unfillable seat of `share`, in order (then "any"). */
export function fallbackChain(share: SessionShare): SessionShare[] {
  const i = SESSION_SHARES.indexOf(share);
  return [...SESSION_SHARES.slice(i + 1), ...SESSION_SHARES.slice(0, i)];
}
