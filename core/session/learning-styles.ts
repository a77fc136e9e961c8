/**
 * The seeds' learning styles, mapped onto what learnloop knows about a question: its type. Questions
 * carry no media (no images, diagrams, audio), so `visual` cannot be honoured and is refused at the
 * edge rather than silently ignored.
 *
 * - verbal: answers put into words — essay, short answer, fill in the blank;
 * - logical: choosing and judging between stated alternatives — multiple choice, true/false.
 */
export const learningStyleQuestionTypes = {
  verbal: ['essay', 'short_answer', 'fill_in'],
  logical: ['multiple_choice', 'true_false'],
} as const satisfies Record<string, readonly string[]>;

export type LearningStyle = keyof typeof learningStyleQuestionTypes;
export const learningStyles = Object.keys(learningStyleQuestionTypes) as LearningStyle[];

/** Styles of the seeds that the data cannot support, with the reason given to the caller. */
export const unsupportedLearningStyles: Readonly<Record<string, string>> = {
  visual: 'questions carry no images or diagrams, so a visual style cannot be honoured; name preferred questionTypes instead',
};
