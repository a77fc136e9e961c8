/**
 * The worlds of the robustness suite. Each differs from the engine's assumptions in something the
 * engine cannot see. `today` re-creates bench/simulator/sim-world.ts (the world the engine was
 * tuned on) with the suite's own generator.
 */
import type { WorldSpec } from './truth-world.js';

const base: WorldSpec = {
  name: 'today',
  seed: 1,
  learners: 150,
  bankSize: 600,
  categories: 6,
  sessions: [20, 20],
  gaps: 'days',
  levelScale: 1,
  levelOffset: 0,
  labelNoise: 0.5,
  discrimination: [1, 1],
  guessing: 'options',
  slip: 0,
  learningRate: [0.001, 0.006],
  headroom: Infinity,
  informativeLearning: true,
  forgetting: { tauDays: 0, keep: 1 },
  memory: { boost: 0.8, stabilityDays: [1, 3] },
  worldCategorySd: 0,
  learnerCategorySd: 0.6,
  abilitySd: 1.5,
  lateLearners: 0,
  lateItems: 0,
  horizonDays: 30,
  failedValidation: 0.05,
};

const w = (name: string, seed: number, changes: Partial<WorldSpec>): WorldSpec => ({ ...base, name, seed, sessions: [8, 12], ...changes });

export const SUITE_WORLDS: WorldSpec[] = [
  { ...base, name: 'today', seed: 1 },
  w('level-scale-2', 2, { levelScale: 2 }),
  w('level-scale-0.5-offset+1', 3, { levelScale: 0.5, levelOffset: 1 }),
  w('offset-1-noisy-labels', 4, { levelScale: 1.3, levelOffset: -1, labelNoise: 1 }),
  w('2pl-discrimination', 5, { discrimination: [0.5, 2] }),
  w('3pl-guess-slip', 6, { discrimination: [0.7, 1.5], guessing: 'random', guessRange: [0, 0.3], slip: 0.1 }),
  w('fast-learners', 7, { learningRate: [0.05, 0.1], headroom: 3, informativeLearning: false, gaps: 'hours' }),
  w('forgetting-weeks', 8, { learningRate: [0.02, 0.05], headroom: 2.5, informativeLearning: false, forgetting: { tauDays: 7, keep: 0.3 }, gaps: 'weeks', memory: { boost: 0.8, stabilityDays: [0.5, 2] } }),
  w('category-offsets', 9, { worldCategorySd: 1 }),
  w('cramming-seconds', 10, { sessions: [25, 30], gaps: 'seconds', bankSize: 900, learningRate: [0.005, 0.02], headroom: 2, informativeLearning: false }),
  w('few-sessions-late-arrivals', 11, { sessions: [3, 5], gaps: 'mixed', lateLearners: 0.6, lateItems: 0.3 }),
  w('open-questions-no-learning', 12, { guessing: 'none', learningRate: [0, 0], levelScale: 1.5, levelOffset: -0.5 }),
  w('everything', 13, {
    levelScale: 1.6,
    levelOffset: 0.7,
    labelNoise: 0.7,
    discrimination: [0.6, 1.8],
    guessing: 'random',
    guessRange: [0, 0.25],
    slip: 0.05,
    learningRate: [0, 0.08],
    headroom: 2,
    informativeLearning: false,
    forgetting: { tauDays: 10, keep: 0.5 },
    worldCategorySd: 0.7,
    sessions: [3, 30],
    gaps: 'mixed',
    lateLearners: 0.5,
    lateItems: 0.3,
    bankSize: 900,
  }),
];
