import { createHash } from 'node:crypto';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import { type RowError, importChunkSize } from '../../core/contracts/question-contracts.js';
import type { Producer } from '../producer.js';
import { jobIds } from '../../core/contracts/ids.js';

export interface ImportRequest {
  questions: { index: number; question: QuestionInput }[];
  rejected: RowError[];
}

/**
 * Bulk import as one BullMQ flow: a parent `import-batch` job with one `validate-chunk` child per
 * chunk. Chunks run on any validation worker in parallel; the parent runs once they are all done
 * and sums their results. The import id is a hash of the request, so sending the same import twice
 * returns the job of the first.
 */
export function importIdFor(request: ImportRequest): string {
  return createHash('sha256')
    .update(JSON.stringify(request.questions.map((q) => q.question)))
    .digest('hex')
    .slice(0, 24);
}

export async function enqueueImport(producer: Producer, request: ImportRequest): Promise<{ jobId: string; importId: string }> {
  const importId = importIdFor(request);
  const total = request.questions.length + request.rejected.length;
  const chunks: ImportRequest['questions'][] = [];
  for (let i = 0; i < request.questions.length; i += importChunkSize) chunks.push(request.questions.slice(i, i + importChunkSize));

  const parent = producer.prepare(
    'question-validation',
    'import-batch',
    { importId, total, chunks: chunks.length, rejected: request.rejected },
    { jobId: jobIds.importBatch(importId) },
  );
  const tree = await producer.flows().add({
    name: 'import-batch',
    queueName: 'question-validation',
    data: parent.data,
    opts: parent.jobOptions,
    children: chunks.map((chunk, chunkIndex) => {
      const child = producer.prepare(
        'question-validation',
        'validate-chunk',
        { importId, chunkIndex, indices: chunk.map((c) => c.index), questions: chunk.map((c) => c.question) },
        { jobId: jobIds.importChunk(importId, chunkIndex) },
      );
      return { name: 'validate-chunk', queueName: 'question-validation', data: child.data, opts: child.jobOptions };
    }),
  });
  return { jobId: tree.job.id!, importId };
}
