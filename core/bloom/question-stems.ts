import type { BloomLevel } from './levels.js';
import type { TrainingRow } from './train.js';

/**
 * Question stems per level, the way teacher guides to Bloom's taxonomy list them ("Who was …?",
 * "How would you use …?", "What do you think about …?"), written for this project. They are a
 * prior like the verb lists in keywords.ts, turned into training rows (`stemRows`) so the
 * classifier learns wh-question and yes/no patterns that the learning-objective data (imperatives
 * only) cannot teach it. `{x}` is filled with neutral topics, so no content word carries a level.
 */
export const QUESTION_STEMS: Record<BloomLevel, readonly string[]> = {
  Remember: [
    'What is {x}?', 'Who was the first person to study {x}?', 'When did {x} begin?', 'Where is {x} found?',
    'Which year saw {x} start?', 'How many parts does {x} have?', 'Who invented {x}?', 'What is the name of {x}?',
    'List the main parts of {x}.', 'Define {x}.', 'Name the stages of {x}.', 'State the formula for {x}.',
    'When was {x} first described?', 'Who wrote about {x}?', 'How much does {x} cost?', 'Recall the definition of {x}.',
    'Identify {x} in the diagram.', 'What are the components of {x}?', 'Label the parts of {x}.',
    'What is the definition of {x}?', 'What are the main types of {x}?', 'What does the abbreviation {x} stand for?',
  ],
  Understand: [
    'Explain {x} in your own words.', 'What is the main idea of {x}?', 'How would you summarize {x}?',
    'Describe how {x} works.', 'Why does {x} happen?', 'What is meant by {x}?', 'How would you rephrase {x}?',
    'Give an example of {x}.', 'Can you explain what is happening in {x}?', 'Summarize {x}.',
    'Discuss the purpose of {x}.', 'Interpret {x}.', 'What does {x} tell us?', 'Paraphrase {x}.',
    'How would you describe {x} to a friend?', 'Outline {x}.', 'Why is {x} important?', 'Illustrate {x} with an example.',
  ],
  Apply: [
    'How would you use {x} to solve this problem?', 'Calculate {x}.', 'Solve the problem using {x}.',
    'What would happen if you applied {x} here?', 'How would you demonstrate {x}?', 'Use {x} to find the answer.',
    'Compute {x} for the given values.', 'What approach would you use to apply {x}?', 'Apply {x} to a new case.',
    'How would you solve {x} using what you have learned?', 'Show how {x} can be used in practice.',
    'What examples can you find of {x}?', 'Implement {x} for the data given.', 'Carry out {x} step by step.',
    'How could {x} be used in another situation?', 'Determine the value of {x}.', 'Find {x} for the input given.',
  ],
  Analyze: [
    'How does {x} differ from the alternative?', 'What are the causes of {x}?', 'Compare and contrast {x} with the alternative.',
    'How is {x} related to its context?', 'Which evidence supports {x}?', 'Analyze {x}.',
    'Distinguish between {x} and the alternative.', 'What inferences can you make about {x}?', 'Examine {x} closely.',
    'Which conclusions can you draw from {x}?', 'Why do you think {x} turned out this way?', 'Categorize {x}.',
    'How are the parts of {x} related to each other?', 'How is {x} similar to the alternative?', 'Differentiate {x}.',
    'Which assumptions does {x} rest on?', 'Break {x} down into its parts.', 'Why did {x} turn out differently from the alternative?',
  ],
  Evaluate: [
    'Do you agree with {x}?', 'What do you think about {x}?', 'Is {x} a good or a bad thing?', 'Justify {x}.',
    'Evaluate {x}.', 'Which is the better choice for {x}, and why?', 'How would you judge {x}?', 'Assess {x}.',
    'What is your opinion of {x}?', 'Do you think {x} was right?', 'Defend {x}.', 'Critique {x}.',
    'How would you prioritize {x}?', 'Would it be better if {x} were different?', 'Rate {x} and explain your rating.',
    'What criteria would you use to judge {x}?', 'Was {x} worth it?', 'Recommend the best approach to {x}.',
  ],
  Create: [
    'Design {x}.', 'What would you change to improve {x}?', 'Propose an alternative to {x}.', 'Invent a new {x}.',
    'How would you design {x} differently?', 'Create a plan for {x}.', 'Write a story about {x}.', 'Develop {x}.',
    'Compose a song about {x}.', 'Can you propose a new way of doing {x}?', 'What would happen if you combined {x} with something new?',
    'Construct a model of {x}.', 'Formulate a theory of {x}.', 'Suppose you could change {x}; what would you do?',
    'Devise a new approach to {x}.', 'Plan {x} for next year.', 'Build a prototype of {x}.', 'How would you adapt {x} to create something new?',
  ],
};

const TOPICS = ['the process', 'this method', 'the event', 'the system'];

/**
 * How much the stem rows weigh, as a multiple of an ordinary source of their size (training
 * gives each source a say ∝ √n). Chosen by leave-one-dataset-out (`eval:bloom --weights` with
 * {"sources":{"question-stems":w}}), where every held-out source moved the same way:
 *   w     edm2022   shelin_ada  shelin_os  yahya2012   (accuracy / macro-F1)
 *   0     .700/.686 .330/.276   .467/.269  .635/.634
 *   0.5   .706/.694 .360/.297   .467/.264  .685/.681
 *   1     .709/.696 .365/.293   .470/.274  .712/.707
 *   2     .712/.699 .384/.288   .476/.278  .722/.717
 *   4     .713/.700 .409/.304   .474/.279  .732/.727
 */
export const QUESTION_STEM_WEIGHT = 4;

/** Stem × topic rows for training, labelled by the stem's level, source "question-stems". */
export function stemRows(source = 'question-stems', weight = QUESTION_STEM_WEIGHT): TrainingRow[] {
  const rows: TrainingRow[] = [];
  for (const [level, stems] of Object.entries(QUESTION_STEMS) as [BloomLevel, readonly string[]][]) {
    for (const s of stems) for (const t of TOPICS) rows.push({ text: s.replace('{x}', t), level, source, weight });
  }
  return rows;
}
