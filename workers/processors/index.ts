import type { ProcessorEntry } from '../runtime/processor.js';
import { recordBatchProcessor } from './decision-insights/record-batch.js';
import { recordProcessor } from './decision-insights/record.js';
import { evaluateAlertsProcessor } from './monitoring/evaluate-alerts.js';
import { importBatchProcessor } from './question-validation/import-batch.js';
import { validateChunkProcessor } from './question-validation/validate-chunk.js';
import { validateProcessor } from './question-validation/validate.js';
import { feedbackResultsProcessor } from './feedback-loop/results.js';
import { recalibrateProcessor } from './feedback-loop/recalibrate.js';
import { generateSessionProcessor } from './session-generation/generate.js';
import { learningPlanProcessor } from './session-generation/learning-plan.js';
import { backupProcessor } from './backups/backup.js';
import { pruneBackupsProcessor } from './backups/prune.js';
import { verifyBackupProcessor } from './backups/verify.js';
import { gdprEraseProcessor } from './retention-cleanup/gdpr-erase.js';
import { gdprExportProcessor } from './retention-cleanup/gdpr-export.js';
import { rollupProcessor } from './retention-cleanup/rollup.js';
import { sweepProcessor } from './retention-cleanup/sweep.js';

/** Every processor of the system; the start-up check holds this list against the registry. */
export const processors: ProcessorEntry[] = [
  validateProcessor, recordProcessor, recordBatchProcessor, rollupProcessor, evaluateAlertsProcessor,
  sweepProcessor,
  gdprExportProcessor,
  gdprEraseProcessor,
  backupProcessor,
  verifyBackupProcessor,
  pruneBackupsProcessor,
  generateSessionProcessor,
  learningPlanProcessor,
  feedbackResultsProcessor,
  recalibrateProcessor,
  importBatchProcessor,
  validateChunkProcessor,
];
