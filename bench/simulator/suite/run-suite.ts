/**
 * `npm run simulate:suite [-- --worlds a,b --learners N --quick]`
 *
 * The robustness suite: every world of worlds.ts, played by the engine, by random picks and by an
 * oracle that knows the truth, in-process. Prints per world the flow-state rate of each policy, the
 * share of the random → oracle gap the engine closes, the engine's mean success per session index
 * and its ECE from the 3rd session on; writes bench/results/simulation-suite.json.
 *
 * Every policy plays its own copy of the world with the same learners, bank, schedule and random
 * streams. Sessions of all learners are played in time order (learners and items arrive part-way).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SuiteEngine } from './suite-engine.js';
import { SUITE_WORLDS } from './worlds.js';
import { TruthLearner, buildWorld, seeded, type TruthItem, type World, type WorldSpec } from './truth-world.js';
import { calibrationReport, calibrationStats, type Prediction } from '../../../core/metrics/calibration.js';

export interface WorldResult {
  world: string;
  engine: number;
  random: number;
  oracle: number;
  gapClosed: number;
  meanSuccessBySession: number[];
  ece: number | null;
  /** Extra figures, not part of the required shape. */
  detail: {
    sessions: number;
    answers: number;
    randomMeanSuccessBySession: number[];
    oracleMeanSuccessBySession: number[];
    engineCalibrationFrom3rd: ReturnType<typeof calibrationReport>;
    seconds: number;
  };
}

type PolicyName = 'engine' | 'random' | 'oracle';
const SESSION_SIZE = 10;
const FLOW_CENTRE = 0.775;
const ANSWER_SPACING_MS = 30_000;

interface PolicyRun {
  flowRate: number;
  meanSuccessBySession: number[];
  predictions: Array<Prediction & { session: number }>;
  sessions: number;
  answers: number;
}

interface SessionEvent {
  learner: number;
  index: number;
  at: number;
}

function schedule(world: World): SessionEvent[] {
  const events: SessionEvent[] = [];
  world.learners.forEach((l, learner) => l.sessionTimes.forEach((at, index) => events.push({ learner, index, at })));
  return events.sort((a, b) => a.at - b.at || a.learner - b.learner || a.index - b.index);
}

export interface PolicyPort {
  /** The first question of a session and everything planned after it; empty = nothing to ask. */
  start(learner: TruthLearner, sessionId: string, now: number, available: readonly TruthItem[]): Promise<Array<{ questionId: string; predictedSuccess?: number }>>;
  /** The answer to the first planned question; returns the re-planned rest (the plan may be kept). */
  answer(
    learner: TruthLearner,
    sessionId: string,
    answer: { questionId: string; correct: boolean; responseMs: number; answeredAt: number },
    remaining: Array<{ questionId: string; predictedSuccess?: number }>,
    available: readonly TruthItem[],
  ): Promise<Array<{ questionId: string; predictedSuccess?: number }>>;
  /** Scheduled work (recalibration) up to this time. */
  tick?(now: number): Promise<void>;
}

function randomPort(seed: number): PolicyPort {
  const r = seeded(seed);
  return {
    async start(_l, _s, _now, available) {
      const pool = available.slice();
      const out: Array<{ questionId: string }> = [];
      while (out.length < SESSION_SIZE && pool.length > 0) {
        const i = Math.floor(r() * pool.length);
        out.push({ questionId: (pool[i] as TruthItem).questionId });
        pool.splice(i, 1);
      }
      return out;
    },
    async answer(_l, _s, _a, remaining) {
      return remaining;
    },
  };
}

/**
 * The oracle knows every true probability at the moment of asking and sees the answers as they
 * come, like the engine; like the engine's targets, each question it asks has a true P inside the
 * flow band when the bank has one. Among those it picks by dynamic programming the question that
 * maximises the chance of ending the session in flow: V(k, r) = chance of finishing in [0.70, 0.85]
 * after k answers with r right, with later questions at P = 0.70 or 0.85 (V is linear in P, so the
 * band's edges are the best choices). Without an in-band question it takes the one nearest 0.775.
 */
function flowValue(size: number): number[][] {
  const v: number[][] = Array.from({ length: size + 1 }, () => new Array<number>(size + 1).fill(0));
  for (let r = 0; r <= size; r += 1) {
    const rate = r / size;
    (v[size] as number[])[r] = rate >= 0.7 - 1e-9 && rate <= 0.85 + 1e-9 ? 1 : 0;
  }
  for (let k = size - 1; k >= 0; k -= 1) {
    for (let r = 0; r <= k; r += 1) {
      const up = (v[k + 1] as number[])[r + 1] as number;
      const stay = (v[k + 1] as number[])[r] as number;
      (v[k] as number[])[r] = Math.max(0.7 * up + 0.3 * stay, 0.85 * up + 0.15 * stay);
    }
  }
  return v;
}

function oraclePort(): PolicyPort {
  const value = flowValue(SESSION_SIZE);
  const state = new Map<string, { skip: Set<string>; asked: number; right: number }>();
  const best = (learner: TruthLearner, now: number, available: readonly TruthItem[], st: { skip: Set<string>; asked: number; right: number }): string | null => {
    const next = value[Math.min(SESSION_SIZE, st.asked + 1)] as number[];
    const up = next[st.right + 1] ?? 0;
    const stay = next[st.right] ?? 0;
    let pick: string | null = null;
    let score = -Infinity;
    for (const item of available) {
      if (st.skip.has(item.questionId)) continue;
      const p = learner.probability(item, now);
      const inBand = p >= 0.7 && p <= 0.85;
      // In-band questions rank by flow value (≥ 0 + 1 bonus); others by closeness to the centre.
      const s = inBand ? 1 + p * up + (1 - p) * stay : -Math.abs(p - FLOW_CENTRE);
      if (s > score) {
        score = s;
        pick = item.questionId;
      }
    }
    return pick;
  };
  return {
    async start(learner, sessionId, now, available) {
      const st = { skip: new Set<string>(), asked: 0, right: 0 };
      state.set(sessionId, st);
      const first = best(learner, now, available, st);
      if (!first) return [];
      return [first, ...Array.from({ length: SESSION_SIZE - 1 }, () => '?')].map((questionId) => ({ questionId }));
    },
    async answer(learner, sessionId, a, remaining, available) {
      const st = state.get(sessionId) as { skip: Set<string>; asked: number; right: number };
      st.skip.add(a.questionId);
      st.asked += 1;
      if (a.correct) st.right += 1;
      if (remaining.length === 0) {
        state.delete(sessionId);
        return [];
      }
      const next = best(learner, a.answeredAt + ANSWER_SPACING_MS, available, st);
      if (!next) return [];
      return [{ questionId: next }, ...remaining.slice(1)];
    },
  };
}

async function playWorld(world: World, policy: PolicyName, port: PolicyPort): Promise<PolicyRun> {
  const learners = world.learners.map((spec) => new TruthLearner(spec, world));
  const byId = new Map(world.items.map((i) => [i.questionId, i]));
  const valid = world.items.filter((i) => i.validationPassed).sort((a, b) => a.arrivesAt - b.arrivesAt);
  const events = schedule(world);
  let flow = 0;
  let sessions = 0;
  let answers = 0;
  const successSum: number[] = [];
  const successCount: number[] = [];
  const predictions: PolicyRun['predictions'] = [];
  let arrived = 0;
  for (const ev of events) {
    while (arrived < valid.length && (valid[arrived] as TruthItem).arrivesAt <= ev.at) arrived += 1;
    const available = valid.slice(0, arrived);
    await port.tick?.(ev.at);
    const learner = learners[ev.learner] as TruthLearner;
    // Each learner answers with their own stream, the same in every policy's copy of the world.
    const r = seeded(world.spec.seed * 1_000_003 + ev.learner * 131 + ev.index);
    learner.beginSession(ev.at);
    const sessionId = `${learner.spec.userId}-s${ev.index + 1}`;
    let plan = await port.start(learner, sessionId, ev.at, available);
    let right = 0;
    let asked = 0;
    while (plan.length > 0 && asked < SESSION_SIZE) {
      const next = plan[0] as { questionId: string; predictedSuccess?: number };
      const item = byId.get(next.questionId);
      if (!item) throw new Error(`${policy} picked unknown question ${next.questionId}`);
      const at = ev.at + asked * ANSWER_SPACING_MS;
      const a = learner.answer(item, at, r);
      asked += 1;
      if (a.correct) right += 1;
      if (next.predictedSuccess !== undefined) predictions.push({ p: next.predictedSuccess, correct: a.correct, session: ev.index });
      plan = await port.answer(learner, sessionId, { questionId: item.questionId, correct: a.correct, responseMs: a.responseMs, answeredAt: at }, plan.slice(1), available);
    }
    if (asked === 0) continue;
    answers += asked;
    sessions += 1;
    const rate = right / asked;
    if (rate >= 0.7 - 1e-9 && rate <= 0.85 + 1e-9) flow += 1;
    successSum[ev.index] = (successSum[ev.index] ?? 0) + rate;
    successCount[ev.index] = (successCount[ev.index] ?? 0) + 1;
  }
  const meanSuccessBySession = successSum.map((s, i) => Math.round((s / (successCount[i] as number)) * 1000) / 1000);
  return { flowRate: sessions > 0 ? flow / sessions : 0, meanSuccessBySession, predictions, sessions, answers };
}

export async function runWorld(spec: WorldSpec, options: { engineFactory?: (world: World) => PolicyPort } = {}): Promise<WorldResult> {
  const started = performance.now();
  const world = buildWorld(spec);
  const engineFactory = options.engineFactory ?? ((w: World) => new SuiteEngine(w));
  const engine = await playWorld(world, 'engine', engineFactory(world));
  const random = await playWorld(world, 'random', randomPort(spec.seed + 7));
  const oracle = await playWorld(world, 'oracle', oraclePort());
  const gap = oracle.flowRate - random.flowRate;
  const from3rd = calibrationReport(calibrationStats(engine.predictions.filter((p) => p.session >= 2)));
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    world: spec.name,
    engine: r3(engine.flowRate),
    random: r3(random.flowRate),
    oracle: r3(oracle.flowRate),
    gapClosed: gap > 0 ? r3((engine.flowRate - random.flowRate) / gap) : 0,
    meanSuccessBySession: engine.meanSuccessBySession,
    ece: from3rd.ece === null ? null : Math.round(from3rd.ece * 10_000) / 10_000,
    detail: {
      sessions: engine.sessions,
      answers: engine.answers,
      randomMeanSuccessBySession: random.meanSuccessBySession,
      oracleMeanSuccessBySession: oracle.meanSuccessBySession,
      engineCalibrationFrom3rd: from3rd,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    },
  };
}

const fmt = (x: number | null, d = 3): string => (x === null ? '—' : x.toFixed(d));

export function formatSuite(results: readonly WorldResult[]): string[] {
  const lines = [
    '| world | engine | random | oracle | gapClosed | mean success by session (1st, 2nd, 3rd … last) | ECE from 3rd |',
    '|---|---:|---:|---:|---:|---|---:|',
  ];
  for (const r of results) {
    const ms = r.meanSuccessBySession;
    const shown = ms.length > 6 ? [...ms.slice(0, 4).map((x) => fmt(x, 2)), '…', fmt(ms[ms.length - 1] ?? 0, 2)] : ms.map((x) => fmt(x, 2));
    lines.push(`| ${r.world} | ${fmt(r.engine)} | ${fmt(r.random)} | ${fmt(r.oracle)} | ${fmt(r.gapClosed, 2)} | ${shown.join(', ')} | ${fmt(r.ece)} |`);
  }
  const gaps = results.map((r) => r.gapClosed).sort((a, b) => a - b);
  const median = gaps.length ? (gaps.length % 2 ? (gaps[(gaps.length - 1) / 2] as number) : ((gaps[gaps.length / 2 - 1] as number) + (gaps[gaps.length / 2] as number)) / 2) : 0;
  const fromSecond = results.flatMap((r) => r.meanSuccessBySession.slice(1));
  lines.push(
    `gapClosed: min ${fmt(gaps[0] ?? 0, 2)}, median ${fmt(median, 2)} (targets ≥ 0.5, median ≥ 0.7); ` +
      `engine below random in ${results.filter((r) => r.engine < r.random).length} worlds; ` +
      `mean success from the 2nd session in [${fmt(Math.min(...fromSecond), 2)}, ${fmt(Math.max(...fromSecond), 2)}] (target 0.70–0.85); ` +
      `max ECE from the 3rd session ${fmt(Math.max(...results.map((r) => r.ece ?? 0)))} (target ≤ 0.05)`,
  );
  return lines;
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const only = argValue('worlds')?.split(',');
  const learners = argValue('learners') ? Number(argValue('learners')) : undefined;
  const worlds = SUITE_WORLDS.filter((w) => !only || only.includes(w.name)).map((w) => (learners ? { ...w, learners } : w));
  const started = performance.now();
  const results: WorldResult[] = [];
  for (const spec of worlds) {
    const r = await runWorld(spec);
    console.error(`  ${spec.name}: engine ${r.engine}, random ${r.random}, oracle ${r.oracle}, gapClosed ${r.gapClosed}, ECE ${r.ece} (${r.detail.seconds} s)`);
    results.push(r);
  }
  for (const line of formatSuite(results)) console.log(line);
  console.log(`${results.length} worlds in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (!only && !learners) {
    const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'results', 'simulation-suite.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${out}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
