/**
 * The in-process simulation runner: N sessions of `sessionSize` questions for every learner of a
 * seeded population, once per policy, each policy in its own copy of the world (same learners,
 * same bank, same random streams). Sessions run round-robin (every learner's 1st session, then
 * every learner's 2nd, …) so shared item ratings evolve the way they would with concurrent users.
 *
 * Flow state = a session's success rate within [0.70, 0.85]. With 10 questions that
 * means 7 or 8 right, so even a perfect-information policy that targets P = 0.775 reaches only
 * ~0.53 (binomial spread), which is why the oracle is the yardstick.
 */
import { createRng, type Rng } from '../../core/random.js';
import { InProcessEngine, type AdaptiveEnginePort } from './engine-port.js';
import { enginePolicy, fixedDifficultyPolicy, oraclePolicy, randomPolicy, type SimAnswer, type SimPolicy } from './policies.js';
import { LearnerTruth, categoriesFor, createPopulation, createQuestionBank, type SimLearner, type SimQuestion } from './sim-world.js';
import type { AdaptiveConfigOverrides } from '../../core/adaptive-config.js';

export interface SimulationOptions {
  learners?: number;
  sessions?: number;
  sessionSize?: number;
  bankSize?: number;
  categories?: number;
  seed?: number;
  /** Which policies to run; default all. */
  policies?: Array<'engine-fsrs' | 'engine-sm2' | 'oracle' | 'random' | 'fixed'>;
  engineConfig?: AdaptiveConfigOverrides;
  /** Swap the in-process engine for another port (e.g. one backed by the real queues). */
  enginePortFactory?: (bank: readonly SimQuestion[], scheduler: 'sm2' | 'fsrs') => AdaptiveEnginePort;
  /** Called after each policy finishes (the full run takes minutes). */
  onPolicyDone?: (report: PolicyReport) => void;
}

export interface PolicyReport {
  policy: string;
  sessions: number;
  flowRate: number;
  /** Flow rate over the second half of each learner's sessions (after cold start). */
  flowRateLaterHalf: number;
  meanSuccess: number;
  /** Mean true P of the questions served. */
  meanTrueP: number;
  reviews?: { fallenDue: number; onTime: number; onTimeShare: number };
}

export interface SimulationReport {
  options: Required<Omit<SimulationOptions, 'engineConfig' | 'enginePortFactory' | 'onPolicyDone'>>;
  policies: PolicyReport[];
}

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const DAY_MS = 86_400_000;

function sessionTimes(learner: SimLearner, count: number, rng: Rng): number[] {
  const times: number[] = [];
  let t = T0 + rng() * DAY_MS * 0.5;
  for (let s = 0; s < count; s += 1) {
    times.push(Math.round(t));
    // ±25% jitter around the learner's habit, at least 14 h apart.
    t += Math.max(14 * 3_600_000, learner.sessionGapDays * DAY_MS * (0.75 + rng() * 0.5));
  }
  return times;
}

async function runPolicy(
  policy: SimPolicy,
  population: readonly SimLearner[],
  bank: readonly SimQuestion[],
  o: SimulationReport['options'],
): Promise<PolicyReport> {
  const byId = new Map(bank.map((q) => [q.questionId, q]));
  const scheduleRng = createRng(o.seed + 11);
  const times = population.map((l) => sessionTimes(l, o.sessions, scheduleRng));
  const truths = population.map((l) => new LearnerTruth(l));
  const answerRng = createRng(o.seed + 23);
  const pickRng = createRng(o.seed + 37);
  let sessions = 0;
  let flow = 0;
  let laterSessions = 0;
  let laterFlow = 0;
  let successSum = 0;
  let pSum = 0;
  let pCount = 0;
  for (let s = 0; s < o.sessions; s += 1) {
    for (let li = 0; li < population.length; li += 1) {
      const learner = population[li] as SimLearner;
      const truth = truths[li] as LearnerTruth;
      const now = (times[li] as number[])[s] as number;
      const ctx = {
        learner,
        truth,
        sessionId: `${learner.userId}-s${s + 1}`,
        now,
        previousSessionAt: s > 0 ? ((times[li] as number[])[s - 1] as number) : null,
        size: o.sessionSize,
        rng: pickRng,
      };
      const picked = await policy.pick(ctx);
      const answers: SimAnswer[] = [];
      let right = 0;
      picked.forEach((id, i) => {
        const q = byId.get(id);
        if (!q) throw new Error(`${policy.name} picked unknown question ${id}`);
        const at = now + i * 30_000;
        const a = truth.answer(q, at, answerRng);
        pSum += a.p;
        pCount += 1;
        if (a.correct) right += 1;
        answers.push({ questionId: id, correct: a.correct, responseMs: a.responseMs, answeredAt: at });
      });
      if (policy.observe) await policy.observe(ctx, answers);
      const rate = answers.length > 0 ? right / answers.length : 0;
      const inFlow = answers.length > 0 && rate >= 0.7 - 1e-9 && rate <= 0.85 + 1e-9;
      sessions += 1;
      successSum += rate;
      if (inFlow) flow += 1;
      if (s >= Math.floor(o.sessions / 2)) {
        laterSessions += 1;
        if (inFlow) laterFlow += 1;
      }
    }
  }
  const report: PolicyReport = {
    policy: policy.name,
    sessions,
    flowRate: flow / sessions,
    flowRateLaterHalf: laterSessions > 0 ? laterFlow / laterSessions : 0,
    meanSuccess: successSum / sessions,
    meanTrueP: pCount > 0 ? pSum / pCount : 0,
  };
  const t = policy.timeliness?.();
  if (t) report.reviews = { ...t, onTimeShare: t.fallenDue > 0 ? t.onTime / t.fallenDue : 0 };
  return report;
}

export async function runSimulation(options: SimulationOptions = {}): Promise<SimulationReport> {
  const o: SimulationReport['options'] = {
    learners: options.learners ?? 2000,
    sessions: options.sessions ?? 20,
    sessionSize: options.sessionSize ?? 10,
    bankSize: options.bankSize ?? 600,
    categories: options.categories ?? 6,
    seed: options.seed ?? 20_240_601,
    policies: options.policies ?? ['engine-fsrs', 'engine-sm2', 'oracle', 'random', 'fixed'],
  };
  const worldRng = createRng(o.seed);
  const categories = categoriesFor(o.categories);
  const bank = createQuestionBank(o.bankSize, categories, worldRng);
  const population = createPopulation(o.learners, categories, worldRng);
  const portFor =
    options.enginePortFactory ??
    ((b: readonly SimQuestion[], scheduler: 'sm2' | 'fsrs') =>
      new InProcessEngine(
        b.map((q) => ({ ...q })),
        { ...options.engineConfig, scheduler },
      ));
  const reports: PolicyReport[] = [];
  for (const name of o.policies) {
    const policy =
      name === 'engine-fsrs'
        ? enginePolicy('engine (FSRS-6)', portFor(bank, 'fsrs'))
        : name === 'engine-sm2'
          ? enginePolicy('engine (SM-2)', portFor(bank, 'sm2'))
          : name === 'oracle'
            ? oraclePolicy(bank)
            : name === 'random'
              ? randomPolicy(bank)
              : fixedDifficultyPolicy(bank);
    const report = await runPolicy(policy, population, bank, o);
    options.onPolicyDone?.(report);
    reports.push(report);
  }
  return { options: o, policies: reports };
}
