/**
 * A learner's patterns from their answers (the seeds' analyzeLearningPatterns), pure: accuracy and
 * response time by category, question type, Bloom level and hour of day; knowledge gaps (the weakest
 * categories with enough answers to say so, with the evidence); the trend of the last answers; the
 * question type the learner does best.
 */
export interface PatternGroup {
  key: string | null;
  answers: number;
  correct: number;
  accuracy: number;
  meanResponseMs: number | null;
}

/** Fewer answers than this in a group say nothing about a gap or a best type. */
export const minAnswersForEvidence = 3;
/** The trend compares the newest `trendWindow` answers with the `trendWindow` before them. */
export const trendWindow = 20;

export interface LearnerPatternsInput {
  userId: string;
  byCategory: PatternGroup[];
  byType: PatternGroup[];
  byBloomLevel: PatternGroup[];
  byHour: PatternGroup[];
  /** Newest first. */
  recent: boolean[];
  sessions: number;
}

const round = (x: number | null, digits = 3) => (x === null ? null : Number(x.toFixed(digits)));
const view = (g: PatternGroup) => ({ answers: g.answers, correct: g.correct, accuracy: round(g.accuracy)!, meanResponseMs: g.meanResponseMs === null ? null : Math.round(g.meanResponseMs) });

export function buildLearnerPatterns(input: LearnerPatternsInput) {
  const total = input.byCategory.reduce((n, g) => n + g.answers, 0);
  const correct = input.byCategory.reduce((n, g) => n + g.correct, 0);
  const keyed = (groups: PatternGroup[], name: string) => groups.map((g) => ({ [name]: g.key, ...view(g) }));

  const knowledgeGaps = input.byCategory
    .filter((g) => g.key !== null && g.answers >= minAnswersForEvidence && g.accuracy < 0.7)
    .sort((a, b) => a.accuracy - b.accuracy || b.answers - a.answers)
    .slice(0, 5)
    .map((g) => ({
      categoryId: g.key!,
      accuracy: round(g.accuracy)!,
      evidence: { answers: g.answers, correct: g.correct, meanResponseMs: g.meanResponseMs === null ? null : Math.round(g.meanResponseMs) },
      // How far below the 70% mastery line (the flow band's floor) the category sits.
      shortfall: round(0.7 - g.accuracy)!,
    }));

  const newer = input.recent.slice(0, trendWindow);
  const older = input.recent.slice(trendWindow, trendWindow * 2);
  const rate = (xs: boolean[]) => (xs.length === 0 ? null : xs.filter(Boolean).length / xs.length);
  const recentAccuracy = rate(newer);
  const previousAccuracy = rate(older);
  const direction =
    recentAccuracy === null || previousAccuracy === null || older.length < 5
      ? 'insufficient-data'
      : recentAccuracy - previousAccuracy > 0.05
        ? 'improving'
        : previousAccuracy - recentAccuracy > 0.05
          ? 'declining'
          : 'steady';

  const best = input.byType
    .filter((g) => g.key !== null && g.answers >= minAnswersForEvidence)
    .sort((a, b) => b.accuracy - a.accuracy || b.answers - a.answers)[0];

  return {
    userId: input.userId,
    sessions: input.sessions,
    answers: total,
    accuracy: total === 0 ? null : round(correct / total),
    byCategory: keyed(input.byCategory, 'categoryId'),
    byType: keyed(input.byType, 'type'),
    byBloomLevel: keyed(input.byBloomLevel, 'level'),
    byHourOfDay: input.byHour
      .map((g) => ({ hour: g.key === null ? null : Number(g.key), ...view(g) }))
      .sort((a, b) => (a.hour ?? 24) - (b.hour ?? 24)),
    knowledgeGaps,
    trend: { direction, recentAccuracy: round(recentAccuracy), previousAccuracy: round(previousAccuracy), window: trendWindow },
    bestType: best ? { type: best.key!, accuracy: round(best.accuracy)!, answers: best.answers } : null,
  };
}
