/**
 * Tunable constants of the adaptive engine (learner model, scheduling, session composition), in
 * one object so a processor, a test or the simulator can override a few of them and so every
 * decision trace can name the model that produced it.
 *
 * The values are chosen from the published definitions where one exists (Elo α, β; SM-2; FSRS
 * defaults) and otherwise once, generally, from the simulator (bench/simulator) — never per seed.
 * Units: abilities and difficulties are logits; probabilities are in [0, 1]; times are epoch ms.
 */
import { FSRSVersion } from 'ts-fsrs';
import type { StreakRuleSettings } from './learner/streak-rules.js';

export type ReviewAlgorithm = 'sm2' | 'fsrs';

export interface AdaptiveConfig {
  elo: {
    /**
     * Learner K = alpha / (1 + beta·n): Pelánek (2016) uncertainty function, n = the learner's
     * answers. See elo.ts for where 1.6 and 0.28 come from.
     */
    alpha: number;
    beta: number;
    /** Share of the learner K applied to the category offset (the global skill takes the full K). */
    categoryGamma: number;
    /** Item K = itemAlpha / (1 + itemBeta·n), n = the item's answers (all learners). */
    itemAlpha: number;
    itemBeta: number;
  };
  /**
   * The learner's skill filter (skill-filter.ts). v0 = 1.5² (the old prior). qAnswer = 0.02
   * logits² per answer keeps the steady-state gain near 0.3 (√(q/I)); qDay = 0.01 per day lets 30
   * days away add 0.3 (a learner back from a month finds their level within a few answers).
   * Checked on the robustness suite (bench/simulator/suite, 80 learners): qAnswer 0.04 followed the
   * fastest learners a little better (gapClosed 0.57 vs 0.56, ECE 0.043 vs 0.052) but lost 0.08
   * of gap in the 2PL world and was level elsewhere, so 0.02 stays.
   */
  skillNoise: { v0: number; qAnswer: number; qDay: number };
  /**
   * Item beliefs and the level mapping's recalibration (difficulty-calibration.ts): u0 = 0.5
   * (an item sits about ±0.7 logits around its level's prior), ridge = 20 units of information
   * (about 100 answers) pulling an unproven category towards one logit per level, scale ≥ 0.1.
   */
  calibration: { u0: number; ridge: number; minScale: number };
  /** Spaced-repetition algorithm for NEW review states; existing states keep theirs. */
  scheduler: ReviewAlgorithm;
  /** FSRS target retention (ts-fsrs `request_retention`). */
  fsrsRetention: number;
  trend: {
    /** EWMA weight of the newest residual (correct − P). */
    lambda: number;
    /** Optimal difficulty = skill + 0.3 × trend. */
    weight: number;
  };
  flow: { low: number; high: number; center: number };
  /** The streak rules' settings (streak-rules.ts), plus how the offset decays between sessions. */
  streak: StreakRuleSettings & {
    /** The offset is multiplied by this at the start of every session's feedback. */
    sessionDecay: number;
  };
  comeback: {
    enterWindow: number;
    enterMinAnswers: number;
    enterBelow: number;
    exitWindow: number;
    exitAtLeast: number;
    /** Difficulty offset (logits) while in comeback mode. */
    offset: number;
  };
  mastery: {
    reached: number;
    lost: number;
    /** The "median difficulty" mastery is measured at (level 3 = logit 0). */
    referenceDifficulty: number;
  };
  session: {
    defaultSize: number;
    maxSize: number;
    /** A question answered less than this long ago is skipped unless its review is due. */
    recentWindowMs: number;
    /** A share's candidate further than this from the position's target P does not count as a fit. */
    maxTargetMiss: number;
    /** Cost bonus (in P units) for a due review picked by a share other than spaced repetition. */
    dueBonus: number;
    /** Random tie-breaking noise (in P units) so equally good questions rotate between sessions. */
    jitter: number;
    /** Alternatives kept per pick in the decision trace. */
    traceAlternatives: number;
  };
}

export const defaultAdaptiveConfig: AdaptiveConfig = {
  elo: { alpha: 1.6, beta: 0.28, categoryGamma: 0.5, itemAlpha: 1, itemBeta: 0.02 },
  skillNoise: { v0: 2.25, qAnswer: 0.02, qDay: 0.01 },
  calibration: { u0: 0.5, ridge: 20, minScale: 0.1 },
  scheduler: 'fsrs',
  fsrsRetention: 0.9,
  trend: { lambda: 0.2, weight: 0.3 },
  flow: { low: 0.7, high: 0.85, center: 0.775 },
  streak: { wrongRun: 2, wrongStep: -0.5, rightRun: 3, rightStep: 0.3, min: -1, max: 0.6, sessionDecay: 0.5 },
  comeback: { enterWindow: 10, enterMinAnswers: 5, enterBelow: 0.6, exitWindow: 8, exitAtLeast: 0.75, offset: -0.5 },
  mastery: { reached: 0.8, lost: 0.7, referenceDifficulty: 0 },
  session: {
    defaultSize: 10,
    maxSize: 50,
    recentWindowMs: 12 * 3_600_000,
    maxTargetMiss: 0.15,
    dueBonus: 0.02,
    jitter: 0.01,
    traceAlternatives: 3,
  },
};

export type AdaptiveConfigOverrides = { [K in keyof AdaptiveConfig]?: AdaptiveConfig[K] extends object ? Partial<AdaptiveConfig[K]> : AdaptiveConfig[K] };

export function resolveAdaptiveConfig(overrides?: AdaptiveConfigOverrides): AdaptiveConfig {
  if (!overrides) return defaultAdaptiveConfig;
  const d = defaultAdaptiveConfig;
  return {
    elo: { ...d.elo, ...overrides.elo },
    skillNoise: { ...d.skillNoise, ...overrides.skillNoise },
    calibration: { ...d.calibration, ...overrides.calibration },
    scheduler: overrides.scheduler ?? d.scheduler,
    fsrsRetention: overrides.fsrsRetention ?? d.fsrsRetention,
    trend: { ...d.trend, ...overrides.trend },
    flow: { ...d.flow, ...overrides.flow },
    streak: { ...d.streak, ...overrides.streak },
    comeback: { ...d.comeback, ...overrides.comeback },
    mastery: { ...d.mastery, ...overrides.mastery },
    session: { ...d.session, ...overrides.session },
  };
}

/** Stamped on every trace; bump the first part when a formula or default above changes. */
export const ADAPTIVE_MODEL_VERSION = `adaptive-2.0.0 (kalman-elo, level-calibration, sm2-wozniak1990, ts-fsrs ${FSRSVersion})`;
