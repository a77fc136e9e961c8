import type { ProcessorEntry } from '../runtime/processor.js';
import { validateProcessor } from './question-validation/validate.js';

/** Every processor of the system; the start-up check holds this list against the registry. */
export const processors: ProcessorEntry[] = [validateProcessor];
