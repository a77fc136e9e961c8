import { producerKey } from '../../support/test-system.js';
import { queryRows } from './fault-servers.js';

/** How one POST /api/questions/validate ended, as the fault scenarios that post while breaking things count it. */
export type PostOutcome =
  | { status: 'accepted'; id: string }
  | { status: 'unavailable' }
  | { status: 'hung' }
  | { status: 'unexpected'; detail: string };

/**
 * Posts question `id` to a running ingress as an upstream service would. `unavailable` is the
 * documented 503 (error code `unavailable` with Retry-After); `hung` is no answer within `timeoutMs`.
 */
export async function postQuestion(baseUrl: string, id: string, text: string, timeoutMs: number): Promise<PostOutcome> {
  try {
    const res = await fetch(`${baseUrl}/api/questions/validate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${producerKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, text, type: 'short_answer' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { jobId?: string; error?: { code: string } };
    if (res.status === 202 && body.jobId) return { status: 'accepted', id };
    if (res.status === 503 && body.error?.code === 'unavailable' && res.headers.get('retry-after')) return { status: 'unavailable' };
    return { status: 'unexpected', detail: `${res.status} ${JSON.stringify(body).slice(0, 200)}` };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { status: 'hung' };
    return { status: 'unexpected', detail: (error as Error).message };
  }
}

/** Ids of the questions starting with `idPrefix` that have a stored validation. */
export async function validatedQuestionIds(databaseUrl: string, idPrefix: string): Promise<Set<string>> {
  const rows = await queryRows<{ id: string }>(databaseUrl, 'SELECT DISTINCT question_id AS id FROM question_validations WHERE question_id LIKE $1', [`${idPrefix}%`]);
  return new Set(rows.map((r) => r.id));
}

/** Validations stored more than once for one (question, model version): effects applied twice. */
export async function duplicatedValidations(databaseUrl: string, idPrefix: string): Promise<number> {
  const [row] = await queryRows<{ extra: string }>(
    databaseUrl,
    'SELECT (SELECT count(*) FROM question_validations WHERE question_id LIKE $1) - (SELECT count(*) FROM (SELECT DISTINCT question_id, model_version FROM question_validations WHERE question_id LIKE $1) v) AS extra',
    [`${idPrefix}%`],
  );
  return Number(row!.extra);
}
