/**
 * `npm run demo -- [--url http://127.0.0.1:3000] [--key KEY] [--learners 30] [--sessions 3]`
 *
 * Fills a running learnloop (started with `npm start`) with a generated question bank and
 * simulated learners, over the public HTTP API, so a newcomer sees every queue at work in Bull
 * Board: a bulk import (a flow of validate-chunk jobs), sessions, answers, learning plans, decision
 * traces, a backup and a GDPR export. The key defaults to the development key `npm start` wrote to
 * .data/dev-api-key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createRng, normal } from '../core/random.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    key: { type: 'string' },
    learners: { type: 'string', default: '30' },
    sessions: { type: 'string', default: '3' },
    seed: { type: 'string', default: '7' },
  },
});

const base = values.url!.replace(/\/$/, '');
const key = values.key ?? (existsSync('.data/dev-api-key') ? readFileSync('.data/dev-api-key', 'utf8').trim() : undefined);
if (!key) {
  console.error('no API key: pass --key, or start the system with `npm start` first (it writes .data/dev-api-key)');
  process.exit(2);
}
const rng = createRng(Number(values.seed));

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status}: ${json.error?.message ?? text}`);
  return json;
}

const categories = ['operating-systems', 'algorithms', 'biology', 'economics', 'history'];
const stems: [string, number][] = [
  ['Define', 1], ['List the main parts of', 1], ['Explain', 2], ['Summarise', 2], ['Apply', 3],
  ['Calculate the effect of', 3], ['Compare', 4], ['Analyse', 4], ['Evaluate', 5], ['Design an improvement to', 5],
];
const topics: Record<string, string[]> = {
  'operating-systems': ['paging', 'process scheduling', 'deadlock avoidance', 'file systems', 'virtual memory', 'interrupts'],
  algorithms: ['binary search', 'merge sort', 'hash tables', 'dynamic programming', 'graph traversal', 'heaps'],
  biology: ['photosynthesis', 'cell division', 'natural selection', 'enzymes', 'the immune response', 'osmosis'],
  economics: ['supply and demand', 'inflation', 'comparative advantage', 'market failure', 'elasticity', 'monetary policy'],
  history: ['the French revolution', 'the industrial revolution', 'the cold war', 'the printing press', 'the Roman republic', 'decolonisation'],
};

function questionBank() {
  const bank = [];
  for (const categoryId of categories) {
    for (const topic of topics[categoryId]!) {
      for (const [stem, difficulty] of stems) {
        const multipleChoice = difficulty <= 2;
        bank.push({
          text: `${stem} ${topic}${multipleChoice ? '?' : '.'}`,
          type: multipleChoice ? 'multiple_choice' : difficulty === 3 ? 'short_answer' : 'essay',
          difficulty,
          categoryId,
          learningObjective: `${stem.split(' ')[0]} ideas of ${topic}`,
          ...(multipleChoice ? { options: ['A', 'B', 'C', 'D'], answer: 'A' } : {}),
        });
      }
    }
  }
  return bank;
}

async function main(): Promise<void> {
  const bank = questionBank();
  console.log(`importing ${bank.length} questions (question-validation: import-batch + validate-chunk flow)…`);
  const imported = await api('POST', '/api/questions/import?wait=30000', { questions: bank });
  console.log('  import summary:', JSON.stringify(imported.result ?? imported));

  const learners = Number(values.learners);
  const sessions = Number(values.sessions);
  const difficultyOf = new Map<string, number>();
  for (let s = 0; s < sessions; s++) {
    await Promise.all(
      Array.from({ length: learners }, async (_, i) => {
        const userId = `demo-learner-${i + 1}`;
        const ability = normal(createRng(i + 1), 0, 1.2);
        const generated = await api('POST', '/api/sessions/generate?wait=20000', { userId, size: 10 });
        const session = generated.result;
        if (!session) return;
        const answers = session.questions.map((q: { questionId: string; targetDifficulty: number }) => {
          const d = difficultyOf.get(q.questionId) ?? q.targetDifficulty;
          difficultyOf.set(q.questionId, d);
          const p = 1 / (1 + Math.exp(-(ability - d + 1.2)));
          return { questionId: q.questionId, correct: rng() < p, responseMs: Math.round(3_000 + rng() * 20_000) };
        });
        await api('POST', `/api/sessions/${session.sessionId}/results`, { userId, answers });
        if (s === 0) await api('POST', '/api/learning-plans', { userId, targetLevel: 5, days: 60 });
      }),
    );
    console.log(`  round ${s + 1}/${sessions}: ${learners} sessions generated and answered`);
  }
  const profile = await api('GET', '/api/users/demo-learner-1/profile');
  console.log('learner 1 now:', JSON.stringify(profile));
  const traces = await api('GET', '/api/users/demo-learner-1/insights?limit=3');
  console.log(`newest decision traces of learner 1: ${traces.items.map((t: { kind: string }) => t.kind).join(', ')}`);
  await api('POST', '/api/admin/backups').catch((e) => console.log(`  (backup not started: ${(e as Error).message})`));
  await api('POST', '/api/users/demo-learner-2/export').catch((e) => console.log(`  (export not started: ${(e as Error).message})`));
  console.log(`\nOpen ${base}/admin/queues (password: the key) to see every queue; ${base}/metrics for Prometheus.`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
