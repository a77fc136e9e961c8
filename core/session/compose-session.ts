/**
 * The session composer: a pure function from the learner model and a candidate pool to an ordered
 * list of questions plus a decision trace. Deterministic for a given input, `now` and seed.
 *
 * How a session is built:
 * 1. Eligibility. Skipped: questions that failed validation (`validationPassed === false`),
 *    questions outside the requested category, duplicates of a question id, and questions the
 *    learner answered less than `recentWindowMs` (12 h) ago unless their review is due.
 * 2. Prediction. P = g + (1 − g)·σ(θ_global + θ_category − d) (elo.ts).
 * 3. Targets per position (1-based): learner shift = streak offset + comeback offset (−0.5 in
 *    comeback mode) + 0.3·trend, limited to the range that keeps the session's centre
 *    σ(logit(0.775) − learner shift) inside the flow band [0.70, 0.85] (i.e. [−0.50, +0.39]);
 *    target success = σ(logit(0.775) − flow-curve offset − learner shift), clamped to the band.
 *    The reported target difficulty is θ_c − logit(target success): with no clamping that is
 *    θ_c + 0.3·trend + offsets − logit(0.775), i.e. the design's "optimal difficulty = skill +
 *    0.3 × trend", moved to the flow centre instead of P = 0.5.
 * 4. Seats per share by largest remainder (session-mix.ts). Share membership:
 *    - spaced_repetition: the review is due;
 *    - knowledge_gaps: in the weakest third (at least one) of the learner's practised categories
 *      present in the pool, by mastery; or last answered wrong. With a single category in the
 *      pool, only "last answered wrong" applies;
 *    - difficulty_curve: every eligible question (it exists to follow the curve);
 *    - learning_style: type in preferences.questionTypes, else in the learner's best type (the
 *      type with ≥ 5 answers and the highest accuracy); no preference known → the share is empty;
 *    - novel: never answered by this learner.
 * 5. Greedy fill, position by position: among shares with seats left, each proposes its best
 *    question (cost = |P − target| − due bonus (0.02, not for spaced repetition) + jitter ≤ 0.01
 *    from the seeded rng) whose |P − target| ≤ 0.15; the cheapest proposal wins (ties: share
 *    order). When no share with seats has a fitting question, the first such share (in share
 *    order) gives one seat along its fallback chain (next shares, wrapping), and failing that to
 *    the best remaining eligible question ("any").
 * 6. Curve alignment: the chosen questions are re-ordered so the easiest sit where the curve
 *    wants the highest success (warm-up, cool-down) and the hardest at the peak; targets are
 *    then recomputed for each question's final position.
 * If fewer eligible questions exist than requested, the session is shorter (never padded with a
 * repeat).
 */
import {
  ADAPTIVE_MODEL_VERSION,
  resolveAdaptiveConfig,
  type AdaptiveConfig,
  type AdaptiveConfigOverrides,
} from '../adaptive-config.js';
import { guessingFor, logit, predictCorrect, sigmoid } from '../learner/elo.js';
import { categorySkill, type LearnerState } from '../learner/learner-state.js';
import { levelToLogit } from '../learner/level.js';
import { createRng, type Rng } from '../random.js';
import { isReviewDue } from '../scheduling/review-state.js';
import { flowCurve, type FlowPoint } from './flow-curve.js';
import { type LearningStyle, learningStyleQuestionTypes } from './learning-styles.js';
import type { SessionCandidate, SessionPick, SessionPreferences } from './session-candidate.js';
import { SESSION_SHARES, allocateSessionMix, fallbackChain, type SessionShare } from './session-mix.js';

export interface ComposeSessionInput {
  learner: LearnerState;
  candidates: readonly SessionCandidate[];
  /** Epoch ms; the only clock the composer knows. */
  now: number;
  /** Default 10, clamped to 1..50. */
  size?: number;
  categoryId?: string | null;
  preferences?: SessionPreferences;
  /** Seed for tie-breaking (e.g. the session id); ignored when `rng` is given. Default 0. */
  seed?: number | string;
  rng?: Rng;
  config?: AdaptiveConfigOverrides;
  /**
   * Re-planning the rest of a session whose first positions were answered (answers handed in one
   * at a time): plan positions fromPosition…size of a `size`-question session's flow curve, and
   * never pick a question in `exclude` (the ones already asked). Default 1 = a whole session.
   */
  fromPosition?: number;
  exclude?: readonly string[];
}

export interface ConsideredCandidate {
  step: number;
  questionId: string;
  share: SessionShare | 'any';
  predictedSuccess: number;
  targetSuccess: number;
  cost: number;
  chosen: boolean;
}

export interface SessionDecisionTrace {
  inputs: Record<string, unknown>;
  candidatesConsidered: ConsideredCandidate[];
  choices: Array<Omit<SessionPick, 'categoryId'> & { step: number }>;
  modelVersion: string;
}

export interface ComposeSessionResult {
  questions: SessionPick[];
  trace: SessionDecisionTrace;
}

const SHARE_BIT: Record<SessionShare, number> = {
  spaced_repetition: 1,
  knowledge_gaps: 2,
  difficulty_curve: 4,
  learning_style: 8,
  novel: 16,
};

interface Scored {
  c: SessionCandidate;
  p: number;
  skill: number;
  due: boolean;
  shares: number;
  jitter: number;
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Target success and difficulty at a curve point for a learner skill in the question's category. */
export function targetAt(
  point: FlowPoint,
  learner: LearnerState,
  skill: number,
  cfg: AdaptiveConfig,
): { targetSuccess: number; targetDifficulty: number } {
  const centre = logit(cfg.flow.center);
  // The learner's offsets move the whole session; they stop where the session's centre reaches
  // the band's edge. Clamping only per position let stacked offsets (streak at +0.6, comeback plus
  // a 2-wrong streak at −1.0) push every position onto the edge: the flow curve flattened into
  // one edge-of-band level, where a 10-question session lands in the band least often.
  const wanted = learner.difficultyOffset + (learner.comebackMode ? cfg.comeback.offset : 0) + cfg.trend.weight * learner.trend;
  const learnerShift = Math.min(centre - logit(cfg.flow.low), Math.max(centre - logit(cfg.flow.high), wanted));
  const raw = sigmoid(centre - point.offset - learnerShift);
  const targetSuccess = Math.min(cfg.flow.high, Math.max(cfg.flow.low, raw));
  return { targetSuccess, targetDifficulty: skill - logit(targetSuccess) };
}

function preferredTypes(learner: LearnerState, preferences?: SessionPreferences): string[] {
  if (preferences?.questionTypes && preferences.questionTypes.length > 0) return [...preferences.questionTypes];
  const style = preferences?.learningStyle as LearningStyle | undefined;
  if (style && style in learningStyleQuestionTypes) return [...learningStyleQuestionTypes[style]];
  let best: { type: string; acc: number; n: number } | null = null;
  for (const type of Object.keys(learner.types).sort()) {
    const s = learner.types[type];
    if (!s || s.answers < 5) continue;
    const acc = s.correct / s.answers;
    if (!best || acc > best.acc || (acc === best.acc && s.answers > best.n)) best = { type, acc, n: s.answers };
  }
  return best ? [best.type] : [];
}

function weakestCategories(learner: LearnerState, present: Set<string>): string[] {
  const practised = [...present]
    .filter((id) => (learner.categories[id]?.answers ?? 0) > 0)
    .sort((a, b) => (learner.categories[a]?.mastery ?? 0) - (learner.categories[b]?.mastery ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  if (practised.length === 0) return [];
  return practised.slice(0, Math.max(1, Math.ceil(practised.length / 3)));
}

export function composeSession(input: ComposeSessionInput): ComposeSessionResult {
  const cfg = resolveAdaptiveConfig(input.config);
  const { learner, now } = input;
  const rng = input.rng ?? createRng(input.seed ?? 0);
  const requested = input.size ?? cfg.session.defaultSize;
  const size = Math.min(cfg.session.maxSize, Math.max(1, Math.floor(requested)));

  // 1. Eligibility.
  const skipped = { failedValidation: 0, otherCategory: 0, duplicate: 0, recentlySeen: 0, askedInSession: 0 };
  const seen = new Set<string>();
  const exclude = new Set(input.exclude ?? []);
  const fromPosition = Math.min(size, Math.max(1, Math.floor(input.fromPosition ?? 1)));
  const eligible: SessionCandidate[] = [];
  for (const c of input.candidates) {
    if (seen.has(c.questionId)) {
      skipped.duplicate += 1;
      continue;
    }
    seen.add(c.questionId);
    if (exclude.has(c.questionId)) {
      skipped.askedInSession += 1;
      continue;
    }
    if (c.validationPassed === false) {
      skipped.failedValidation += 1;
      continue;
    }
    if (input.categoryId && c.categoryId !== input.categoryId) {
      skipped.otherCategory += 1;
      continue;
    }
    const last = c.review?.lastReviewedAt ?? null;
    if (last !== null && now - last < cfg.session.recentWindowMs && !isReviewDue(c.review, now)) {
      skipped.recentlySeen += 1;
      continue;
    }
    eligible.push(c);
  }

  // 2. Prediction and share membership.
  const categories = new Set<string>();
  for (const c of eligible) if (c.categoryId) categories.add(c.categoryId);
  const weak = categories.size > 1 ? new Set(weakestCategories(learner, categories)) : new Set<string>();
  const styleTypes = preferredTypes(learner, input.preferences);
  const style = new Set(styleTypes);
  const pool: Scored[] = eligible.map((c) => {
    const skill = categorySkill(learner, c.categoryId);
    const difficulty = c.item?.difficulty ?? levelToLogit(c.statedDifficulty);
    const p = predictCorrect(skill, difficulty, guessingFor(c.type, c.optionsCount));
    const due = isReviewDue(c.review, now);
    const answered = !!c.review && c.review.lastReviewedAt !== null;
    let shares = SHARE_BIT.difficulty_curve;
    if (due) shares |= SHARE_BIT.spaced_repetition;
    if ((c.categoryId !== null && weak.has(c.categoryId)) || c.review?.lastCorrect === false) shares |= SHARE_BIT.knowledge_gaps;
    if (style.has(c.type)) shares |= SHARE_BIT.learning_style;
    if (!answered) shares |= SHARE_BIT.novel;
    return { c, p, skill, due, shares, jitter: rng() * cfg.session.jitter };
  });

  // Seats still to fill; a re-plan keeps the whole session's curve and takes its tail.
  const sessionSize = Math.min(size - (fromPosition - 1), pool.length);
  const curve = fromPosition === 1 ? flowCurve(sessionSize) : flowCurve(size).slice(fromPosition - 1, fromPosition - 1 + sessionSize);
  const quotas = allocateSessionMix(sessionSize);
  // Seats per share; each seat remembers the share it was allocated to, so a redistributed seat
  // can be reported as a fallback.
  const seats = new Map<SessionShare, SessionShare[]>();
  for (const share of SESSION_SHARES) seats.set(share, Array.from({ length: quotas[share] }, () => share));

  const taken = new Uint8Array(pool.length);
  const considered: ConsideredCandidate[] = [];
  interface Choice {
    index: number;
    share: SessionShare | 'any';
    reason: string;
    step: number;
  }
  interface Ranked {
    index: number;
    cost: number;
  }
  const chosen: Choice[] = [];
  const neutral = (p: FlowPoint): number => targetAt(p, learner, 0, cfg).targetSuccess;
  const k = Math.max(1, cfg.session.traceAlternatives);

  // Keeps the k cheapest in `ranked` (ascending; ties keep the earlier index). Top-k by insertion:
  // the pool can hold thousands of questions and k is tiny.
  const offer = (ranked: Ranked[], index: number, cost: number): void => {
    if (ranked.length === k && cost >= (ranked[k - 1] as Ranked).cost) return;
    let at = ranked.length;
    while (at > 0 && (ranked[at - 1] as Ranked).cost > cost) at -= 1;
    ranked.splice(at, 0, { index, cost });
    if (ranked.length > k) ranked.pop();
  };

  // Only questions whose P can come within maxTargetMiss of some flow-band target can ever fit a
  // share; the rest are reachable through the "any" fallback alone.
  const near: number[] = [];
  for (let i = 0; i < pool.length; i += 1) {
    const p = (pool[i] as Scored).p;
    if (p >= cfg.flow.low - cfg.session.maxTargetMiss && p <= cfg.flow.high + cfg.session.maxTargetMiss) near.push(i);
  }
  const shareCount = SESSION_SHARES.length;
  const bits = SESSION_SHARES.map((share) => SHARE_BIT[share]);

  /** One pass over the pool: every share's best fitting questions for this target. */
  const proposalsFor = (target: number): Record<SessionShare, Ranked[]> => {
    const lists: Ranked[][] = SESSION_SHARES.map(() => []);
    for (const i of near) {
      if (taken[i]) continue;
      const s = pool[i] as Scored;
      const miss = Math.abs(s.p - target);
      if (miss > cfg.session.maxTargetMiss) continue;
      const base = miss + s.jitter;
      const bonus = s.due ? cfg.session.dueBonus : 0;
      for (let j = 0; j < shareCount; j += 1) {
        if ((s.shares & (bits[j] as number)) === 0) continue;
        // j = 0 is spaced repetition, which gets no due bonus (every member is due).
        offer(lists[j] as Ranked[], i, j === 0 ? base : base - bonus);
      }
    }
    const out = {} as Record<SessionShare, Ranked[]>;
    SESSION_SHARES.forEach((share, j) => {
      out[share] = lists[j] as Ranked[];
    });
    return out;
  };

  const anyFor = (target: number): Ranked[] => {
    const ranked: Ranked[] = [];
    for (let i = 0; i < pool.length; i += 1) {
      if (taken[i]) continue;
      const s = pool[i] as Scored;
      offer(ranked, i, Math.abs(s.p - target) + s.jitter - (s.due ? cfg.session.dueBonus : 0));
    }
    return ranked;
  };

  for (let step = 1; step <= sessionSize; step += 1) {
    const point = curve[step - 1] as FlowPoint;
    const target = neutral(point);
    const proposals = proposalsFor(target);
    let winner: { share: SessionShare | 'any'; origin: SessionShare; alternatives: Ranked[] } | null = null;
    let winnerCost = Infinity;
    for (const share of SESSION_SHARES) {
      if ((seats.get(share)?.length ?? 0) === 0) continue;
      const top = proposals[share][0];
      if (top && top.cost < winnerCost) {
        winnerCost = top.cost;
        winner = { share, origin: share, alternatives: proposals[share] };
      }
    }
    if (winner) {
      winner.origin = (seats.get(winner.share as SessionShare) as SessionShare[]).shift() as SessionShare;
    } else {
      // No share with seats has a fitting question: redistribute one seat of the first such share.
      const from = SESSION_SHARES.find((s) => (seats.get(s)?.length ?? 0) > 0);
      if (!from) break;
      const origin = (seats.get(from) as SessionShare[]).shift() as SessionShare;
      const next = fallbackChain(from).find((s) => proposals[s].length > 0);
      if (next) winner = { share: next, origin, alternatives: proposals[next] };
      else {
        const ranked = anyFor(target);
        if (ranked.length === 0) break;
        winner = { share: 'any', origin, alternatives: ranked };
      }
    }
    const index = (winner.alternatives[0] as Ranked).index;
    taken[index] = 1;
    const reason = winner.origin === winner.share ? winner.share : `fallback:${winner.origin}>${winner.share}`;
    chosen.push({ index, share: winner.share, reason, step });
    for (const alt of winner.alternatives) {
      const s = pool[alt.index] as Scored;
      considered.push({
        step,
        questionId: s.c.questionId,
        share: winner.share,
        predictedSuccess: r4(s.p),
        targetSuccess: r4(target),
        cost: r4(alt.cost),
        chosen: alt.index === index,
      });
    }
  }

  // 6. Curve alignment: highest predicted success to the highest target, stable on ties.
  const slots = curve
    .slice(0, chosen.length)
    .map((point) => ({ point, target: neutral(point) }))
    .sort((a, b) => b.target - a.target || a.point.position - b.point.position);
  const byEase = chosen
    .slice()
    .sort((a, b) => (pool[b.index] as Scored).p - (pool[a.index] as Scored).p || a.step - b.step);
  const placed = byEase.map((choice, i) => ({ choice, point: (slots[i] as { point: FlowPoint }).point }));
  placed.sort((a, b) => a.point.position - b.point.position);

  const questions: SessionPick[] = placed.map(({ choice, point }) => {
    const s = pool[choice.index] as Scored;
    const t = targetAt(point, learner, s.skill, cfg);
    return {
      questionId: s.c.questionId,
      position: point.position,
      targetDifficulty: r4(t.targetDifficulty),
      targetSuccess: r4(t.targetSuccess),
      predictedSuccess: r4(s.p),
      reason: choice.reason,
      share: choice.share,
      phase: point.phase,
      categoryId: s.c.categoryId,
      due: s.due,
    };
  });

  const trace: SessionDecisionTrace = {
    inputs: {
      userId: learner.userId,
      now: new Date(now).toISOString(),
      requestedSize: requested,
      size: sessionSize,
      fromPosition,
      categoryId: input.categoryId ?? null,
      preferredTypes: styleTypes,
      weakCategories: [...weak],
      learner: {
        skill: r4(learner.skill),
        trend: r4(learner.trend),
        difficultyOffset: learner.difficultyOffset,
        comebackMode: learner.comebackMode,
        answers: learner.answers,
      },
      seats: quotas,
      candidates: { offered: input.candidates.length, eligible: pool.length, skipped },
      flowBand: [cfg.flow.low, cfg.flow.high],
      scheduler: cfg.scheduler,
    },
    candidatesConsidered: considered,
    choices: questions.map(({ categoryId: _categoryId, ...rest }) => ({
      ...rest,
      step: (chosen.find((c) => (pool[c.index] as Scored).c.questionId === rest.questionId) as Choice).step,
    })),
    modelVersion: ADAPTIVE_MODEL_VERSION,
  };
  return { questions, trace };
}
