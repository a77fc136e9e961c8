/**
 * The ground truth of one simulated world for the robustness suite.
 *
 * DELIBERATELY INDEPENDENT of the engine: this file imports nothing from core/ (not its random
 * numbers, not its sigmoid, not its guessing rule) so that the truth can disagree with every
 * assumption the engine makes. The engine sees only what a deployment would see — stated level
 * 1–5, type, option count, category, validation verdict — and the answers.
 *
 * Truth per answer (a 3PL item response model with slip, after Birnbaum and Barton & Lord):
 *   P = c + (1 − c − slip) · σ(a · (θ + learnerCategory + worldCategory − b + memory))
 *   memory = boost · exp(−days since the learner last saw the question / stability)
 * - b: true difficulty; the stated level is a noisy, rescaled reading of it:
 *   level = clamp(round((b − levelOffset) / levelScale + 3 + N(0, labelNoise)), 1, 5).
 * - a: discrimination (1 in a 1PL world), c: lower asymptote (guessing), slip: 1 − upper asymptote.
 * - Learning: every answer adds rate · informativeness · (1 − gained/headroom) to θ (concave
 *   learning curve: fast learners gain most early and level off `headroom` logits above start).
 * - Forgetting: between sessions the gained part decays to keep + (1 − keep)·exp(−gap/τ) of itself;
 *   memory of single questions doubles its stability on a right answer, shrinks on a wrong one.
 */

export type Rand = () => number;

/** splitmix32: the suite's own generator (not core/random.ts). */
export function seeded(seed: number): Rand {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

export function gaussian(r: Rand, mean = 0, sd = 1): number {
  const u = Math.max(1e-12, r());
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
const between = (r: Rand, lo: number, hi: number): number => lo + (hi - lo) * r();
const DAY = 86_400_000;

export type GapKind = 'seconds' | 'hours' | 'days' | 'weeks' | 'mixed';

export interface WorldSpec {
  name: string;
  seed: number;
  learners: number;
  bankSize: number;
  categories: number;
  /** Sessions per learner, drawn uniformly from [min, max]. */
  sessions: [number, number];
  gaps: GapKind;
  levelScale: number;
  levelOffset: number;
  /** SD of the label error, in levels. */
  labelNoise: number;
  /** Discrimination a drawn uniformly from this range (log scale); [1, 1] = Rasch. */
  discrimination: [number, number];
  /** 'options': c = 1/options for choice questions, 0 for open ones; 'random': c drawn from guessRange for every question. */
  guessing: 'options' | 'random' | 'none';
  guessRange?: [number, number];
  /** Slip (1 − upper asymptote) drawn from [0, slip]. */
  slip: number;
  /** Learning rate per answer drawn from this range (logits). */
  learningRate: [number, number];
  /** Logits a learner can gain at most ("headroom"); Infinity = linear learning. */
  headroom: number;
  /** Today's world multiplies learning by 4σ(1−σ) (informative questions teach most). */
  informativeLearning: boolean;
  /** Forgetting time constant in days (0 = no forgetting of skill) and the share that never fades. */
  forgetting: { tauDays: number; keep: number };
  /** Memory boost for a question seen before (logits) and its starting stability in days. */
  memory: { boost: number; stabilityDays: [number, number] };
  worldCategorySd: number;
  learnerCategorySd: number;
  abilitySd: number;
  /** Share of learners whose first session is spread over the horizon instead of day 0. */
  lateLearners: number;
  /** Share of questions arriving part-way (between 30% and 70% of the horizon). */
  lateItems: number;
  /** Days over which late learners arrive. */
  horizonDays: number;
  failedValidation: number;
}

export interface TruthItem {
  questionId: string;
  categoryId: string;
  type: string;
  optionsCount: number | null;
  statedDifficulty: number;
  validationPassed: boolean;
  arrivesAt: number;
  b: number;
  a: number;
  c: number;
  slip: number;
}

export interface TruthLearnerSpec {
  userId: string;
  theta0: number;
  personalCategory: Record<string, number>;
  rate: number;
  stabilityStart: number;
  preferredTypes: string[];
  pace: number;
  sessionTimes: number[];
}

export interface World {
  spec: WorldSpec;
  start: number;
  items: TruthItem[];
  learners: TruthLearnerSpec[];
  worldCategory: Record<string, number>;
}

const TYPES: Array<[string, number]> = [
  ['multiple_choice', 0.45],
  ['true_false', 0.2],
  ['short_answer', 0.2],
  ['fill_in', 0.15],
];
const EXPECTED_MS: Record<string, number> = { true_false: 8_000, multiple_choice: 15_000, fill_in: 20_000, short_answer: 30_000 };

function drawType(r: Rand): string {
  let u = r();
  for (const [t, w] of TYPES) {
    if (u < w) return t;
    u -= w;
  }
  return 'multiple_choice';
}

function gap(kind: GapKind, r: Rand): number {
  switch (kind) {
    case 'seconds':
      return between(r, 10_000, 300_000);
    case 'hours':
      return between(r, 1, 12) * 3_600_000;
    case 'days':
      return between(r, 0.6, 3) * DAY;
    case 'weeks':
      return between(r, 7, 21) * DAY;
    case 'mixed':
      // log-uniform from 10 seconds to 3 weeks
      return Math.exp(between(r, Math.log(10_000), Math.log(21 * DAY)));
  }
}

export function buildWorld(spec: WorldSpec, start = Date.UTC(2025, 0, 6, 9)): World {
  const r = seeded(spec.seed);
  const categories = Array.from({ length: spec.categories }, (_, i) => `cat-${i + 1}`);
  const worldCategory: Record<string, number> = {};
  for (const c of categories) worldCategory[c] = gaussian(r, 0, spec.worldCategorySd);
  const horizon = spec.horizonDays * DAY;
  // The bank spans the level range plus room for the abilities: flow must be reachable for the oracle.
  const growth = Number.isFinite(spec.headroom) ? spec.headroom : 0;
  const halfSpan = Math.max(2.5 * spec.levelScale, 3) + growth / 2;
  const items: TruthItem[] = Array.from({ length: spec.bankSize }, (_, i) => {
    const type = drawType(r);
    const optionsCount = type === 'multiple_choice' ? ([3, 4, 4, 4, 5][Math.floor(r() * 5)] ?? 4) : type === 'true_false' ? 2 : null;
    const categoryId = categories[i % categories.length] as string;
    const b = spec.levelOffset + between(r, -halfSpan, halfSpan);
    // The label reads b in the world's own level units; the category's offset is invisible to it.
    const level = Math.min(5, Math.max(1, Math.round((b - spec.levelOffset) / spec.levelScale + 3 + gaussian(r, 0, spec.labelNoise))));
    const [aLo, aHi] = spec.discrimination;
    const a = Math.exp(between(r, Math.log(aLo), Math.log(aHi)));
    const c =
      spec.guessing === 'none'
        ? 0
        : spec.guessing === 'options'
          ? optionsCount
            ? 1 / optionsCount
            : 0
          : between(r, ...(spec.guessRange ?? [0, 0.25]));
    return {
      questionId: `q-${String(i + 1).padStart(5, '0')}`,
      categoryId,
      type,
      optionsCount: type === 'true_false' ? null : optionsCount,
      statedDifficulty: level,
      validationPassed: r() >= spec.failedValidation,
      arrivesAt: r() < spec.lateItems ? start + horizon * between(r, 0.3, 0.7) : start,
      b,
      a,
      c,
      slip: between(r, 0, spec.slip),
    };
  });
  const learners: TruthLearnerSpec[] = Array.from({ length: spec.learners }, (_, i) => {
    const personalCategory: Record<string, number> = {};
    for (const c of categories) personalCategory[c] = gaussian(r, 0, spec.learnerCategorySd);
    // Learners start inside the bank with room to grow (a learner beyond the bank is out of flow for
    // every policy, the oracle included).
    const theta0 = spec.levelOffset + Math.max(-halfSpan + 1, Math.min(halfSpan - 1 - growth, gaussian(r, 0, spec.abilitySd)));
    const count = spec.sessions[0] + Math.floor(r() * (spec.sessions[1] - spec.sessions[0] + 1));
    let t = start + (r() < spec.lateLearners ? r() * horizon : r() * 0.5 * DAY);
    const sessionTimes: number[] = [];
    for (let s = 0; s < count; s += 1) {
      sessionTimes.push(Math.round(t));
      t += gap(spec.gaps, r);
    }
    return {
      userId: `learner-${String(i + 1).padStart(5, '0')}`,
      theta0,
      personalCategory,
      rate: between(r, ...spec.learningRate),
      stabilityStart: between(r, ...spec.memory.stabilityDays),
      preferredTypes: TYPES.filter(() => r() < 0.35).map(([t]) => t),
      pace: Math.exp(gaussian(r, 0, 0.25)),
      sessionTimes,
    };
  });
  return { spec, start, items, learners, worldCategory };
}

/** One learner's live truth in one policy's copy of the world. */
export class TruthLearner {
  private gained = 0;
  private lastSessionAt: number | null = null;
  private readonly memory = new Map<string, { at: number; stability: number }>();

  constructor(
    readonly spec: TruthLearnerSpec,
    private readonly world: World,
  ) {}

  get theta(): number {
    return this.spec.theta0 + this.gained;
  }

  /** Called at the start of every session: skill forgetting over the gap. */
  beginSession(now: number): void {
    const f = this.world.spec.forgetting;
    if (this.lastSessionAt !== null && f.tauDays > 0) {
      const days = (now - this.lastSessionAt) / DAY;
      this.gained *= f.keep + (1 - f.keep) * Math.exp(-days / f.tauDays);
    }
    this.lastSessionAt = now;
  }

  private z(item: TruthItem, now: number): number {
    const m = this.memory.get(item.questionId);
    const boost = m ? this.world.spec.memory.boost * Math.exp(-(now - m.at) / DAY / m.stability) : 0;
    return item.a * (this.theta + (this.spec.personalCategory[item.categoryId] ?? 0) + (this.world.worldCategory[item.categoryId] ?? 0) - item.b + boost);
  }

  probability(item: TruthItem, now: number): number {
    return item.c + (1 - item.c - item.slip) * logistic(this.z(item, now));
  }

  answer(item: TruthItem, now: number, r: Rand): { correct: boolean; responseMs: number; p: number } {
    const p = this.probability(item, now);
    const core = logistic(this.z(item, now));
    const correct = r() < p;
    const expected = EXPECTED_MS[item.type] ?? 20_000;
    const responseMs = Math.round(expected * this.spec.pace * (correct ? 1.3 - 0.6 * core : 1.1) * Math.exp(gaussian(r, 0, 0.35)));
    const s = this.world.spec;
    const teach = s.informativeLearning ? 4 * core * (1 - core) : 1;
    const room = Number.isFinite(s.headroom) ? Math.max(0, 1 - this.gained / s.headroom) : 1;
    this.gained += this.spec.rate * teach * room;
    const m = this.memory.get(item.questionId);
    const stability = !m ? this.spec.stabilityStart : correct ? m.stability * 2.2 : Math.max(this.spec.stabilityStart, m.stability * 0.6);
    this.memory.set(item.questionId, { at: now, stability });
    return { correct, responseMs, p };
  }
}
