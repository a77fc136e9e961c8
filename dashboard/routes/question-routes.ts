import { Router } from 'express';
import { idSchema } from '../../core/contracts/identifiers.js';
import { questionInputSchema } from '../../core/bloom/question-input.js';
import { questionContentHash, questionIdFor } from '../../core/contracts/question-contracts.js';
import { getQuestionWithLatestValidation } from '../../db/queries/questions.js';
import { enqueueAndRespond } from '../enqueue-response.js';
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

  router.get('/api/questions/:questionId', producer, async (req, res) => {
    const questionId = parseOr400(idSchema, req.params.questionId, 'questionId');
    const question = await getQuestionWithLatestValidation(ctx.db, questionId);
    if (!question) throw new HttpError(404, 'not_found', `no question with id ${questionId}`);
    res.json(question);
  });

  return router;
}
