import { Router } from 'express';
import { idSchema } from '../../core/contracts/identifiers.js';
import { questionInputSchema } from '../../core/bloom/question-input.js';
import { questionContentHash, questionIdFor } from '../../core/contracts/question-contracts.js';
import { getQuestionWithLatestValidation } from '../../db/queries/questions.js';
import { enqueueAndRespond, enqueueWith } from '../enqueue-response.js';
import { parseImportRequest } from '../import-request.js';
import { enqueueImport, importIdFor } from '../../pipelines/flows/import-flow.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

export function questionRoutes(ctx: IngressContext): Router {
  const router = Router();
  const producer = requireScope(ctx.keys, 'producer');

  router.post('/api/questions/validate', producer, async (req, res) => {
    const question = parseOr400(questionInputSchema, req.body, 'question');
    // Same content → same job id: a client re-sending a question gets the same job back.
    const contentHash = questionContentHash(question);
    const jobId = `validate-${questionIdFor(question, contentHash)}-${contentHash.slice(0, 16)}`;
    await enqueueAndRespond(ctx, req, res, 'question-validation', 'validate', { question }, { jobId });
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

  return router;
}
