import type { DecisionTrace } from '../../core/contracts/decision-trace.js';
import { idSchema } from '../../core/contracts/identifiers.js';
import { listSessionDecisionInsights, listUserDecisionInsights } from '../../db/queries/decision-insights.js';
import { getSessionWithAnswers } from '../../db/queries/sessions.js';
import { type OperatorCommandInput, UsageError, percent, printRecord, table } from './command-io.js';
import { withSystem } from './operator-connection.js';

function parseId(value: string | undefined, what: string): string {
  const parsed = idSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${what}: ${value === undefined ? 'missing' : parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** One JSON value on one line, cut to `max` characters. */
const brief = (value: unknown, max = 160) => {
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** A trace as people read it: when, what, which decision, what went in and what came out. */
function traceLines(trace: DecisionTrace): string[] {
  return [
    `${trace.createdAt}  ${trace.kind}  ${trace.decisionId}${trace.sessionId ? `  session ${trace.sessionId}` : ''}  (model ${trace.modelVersion})`,
    `    inputs:  ${brief(trace.inputs)}`,
    `    outputs: ${brief(trace.outputs)}`,
  ];
}

/** `learnloop trace user ID [--limit N]`: the learner's decision traces, newest first. */
export async function traceUserCommand({ config, logger, args, options, io }: OperatorCommandInput): Promise<number> {
  const userId = parseId(args[0], 'user id');
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new UsageError('--limit must be an integer from 1 to 1000');
  const { items } = await withSystem(config, logger, (conn) => listUserDecisionInsights(conn.db, userId, { limit }));
  printRecord(io, options.json, { userId, traces: items }, () =>
    items.length === 0
      ? [`no decision traces for learner ${userId}`]
      : [`${items.length} decision trace(s) of learner ${userId}, newest first:`, ...items.flatMap(traceLines)],
  );
  return items.length === 0 ? 1 : 0;
}

/** `learnloop analyze session ID`: what was planned, what was answered, the outcome, and the decisions behind it. */
export async function analyzeSessionCommand({ config, logger, args, options, io }: OperatorCommandInput): Promise<number> {
  const sessionId = parseId(args[0], 'session id');
  const found = await withSystem(config, logger, async (conn) => {
    const session = await getSessionWithAnswers(conn.db, sessionId);
    return session && { session, traces: await listSessionDecisionInsights(conn.db, sessionId) };
  });
  if (!found) {
    io.err(`no session ${sessionId}`);
    return 1;
  }
  const { session, traces } = found;
  const answered = new Map(session.answers.map((a) => [a.questionId, a]));
  const correct = session.answers.filter((a) => a.correct).length;
  const times = session.answers.map((a) => a.responseMs).filter((ms): ms is number => ms !== null);
  const analysis = {
    session,
    summary: {
      answered: session.answers.length,
      correct,
      accuracy: session.answers.length ? correct / session.answers.length : null,
      meanResponseMs: times.length ? Math.round(times.reduce((a, b) => a + b, 0) / times.length) : null,
      successRate: session.successRate,
      flowAchieved: session.flowAchieved,
    },
    traces,
  };
  printRecord(io, options.json, analysis, () => [
    `session ${session.id} of learner ${session.userId}${session.categoryId ? ` (category ${session.categoryId})` : ''}`,
    `  status ${session.status}; generated ${session.createdAt}${session.completedAt ? `; completed ${session.completedAt}` : ''}`,
    `  answered ${session.answers.length}/${session.size}, correct ${correct} (${percent(analysis.summary.accuracy)}), ` +
      `mean response ${analysis.summary.meanResponseMs ?? '—'} ms`,
    `  outcome: success rate ${percent(session.successRate)}, flow state ${session.flowAchieved === null ? 'not yet known' : session.flowAchieved ? 'achieved (70–85%)' : 'not achieved'}`,
    '',
    ...table([
      ['pos', 'question', 'target difficulty', 'predicted success', 'reason', 'answer'],
      ...session.questions.map((q) => {
        const a = answered.get(q.questionId);
        return [
          q.position,
          q.questionId,
          q.targetDifficulty.toFixed(2),
          percent(q.predictedSuccess),
          q.reason,
          a ? `${a.correct ? 'right' : 'wrong'}${a.responseMs === null ? '' : ` ${a.responseMs} ms`}` : '—',
        ];
      }),
    ]),
    '',
    traces.length ? `${traces.length} decision trace(s), oldest first:` : 'no decision traces for this session',
    ...traces.flatMap(traceLines),
  ]);
  return 0;
}
