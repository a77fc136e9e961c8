import type { Router } from 'express';
import { idSchema } from '../../core/contracts/identifiers.js';
import { jobIds } from '../../core/contracts/ids.js';
import { questionContentHash, questionIdFor } from '../../core/contracts/question-contracts.js';
import { getQuestionWithLatestValidation } from '../../db/queries/questions.js';
import { enqueueWith } from '../enqueue-response.js';
import { parseImportRequest } from '../import-request.js';
import { enqueueImport, importIdFor } from '../../pipelines/flows/import-flow.js';
import { HttpError, invalid400, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

export function questionRoutes(ctx: IngressContext, router: Router): void {
  const producer = requireScope(ctx.keys, 'producer');

  router.post('/api/questions/validate', producer, async (req, res) => {
    // The job's schema runs here, once: the checked payload is enqueued without a second parse.
    const checked = ctx.producer.check('question-validation', 'validate', { question: req.body });
    // Issue paths relative to the body, as the client sent it (`text`, not `question.text`).
    if (!checked.success) throw invalid400('question', checked.issues.map((issue) => ({ ...issue, path: issue.path.slice(1) })));
    const { question } = checked.payload.data;
    // Same content → same job id: a client re-sending a question gets the same job back.
    const contentHash = questionContentHash(question);
    const jobId = jobIds.validate(questionIdFor(question, contentHash), contentHash);
    await enqueueWith(ctx, req, res, 'question-validation', () => ctx.producer.sendChecked(checked.payload, { jobId }));
  });

  router.post('/api/questions/import', producer, async (req, res) => {
    const request = parseImportRequest(req.body);
    await enqueueWith(ctx, req, res, 'question-validation', async () => (await enqueueImport(ctx.producer, request)).jobId, {
      importId: importIdFor(request),
      accepted: request.questions.length,
      rejected: request.rejected.length,
      rejectedRows: request.rejected.slice(0, 50),
    });
  });

  router.get('/api/questions/:questionId', producer, async (req, res) => {
    const questionId = parseOr400(idSchema, req.params.questionId, 'questionId');
    const question = await ctx.cache.get('question', questionId, () => getQuestionWithLatestValidation(ctx.db, questionId));
    if (!question) throw new HttpError(404, 'not_found', `no question with id ${questionId}`);
    res.json(question);
  });

}
