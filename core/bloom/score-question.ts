import type { BloomScore } from './bloom-score.js';
import { calibrationOf, predictAnalysis, type BloomModel } from './classifier.js';
import { computeComplexity } from './complexity.js';
import { computeConfidence } from './confidence.js';
import { analyseText } from './features.js';
import { classifyKnowledgeDimension } from './knowledge-dimension.js';
import type { BloomLevel } from './levels.js';
import type { QuestionInput } from './question-input.js';
import { evaluateRules, isPassing, PASS_THRESHOLD, qualityScore } from './rules.js';
import { exampleVerbs, suggestionsFor } from './suggestions.js';

/**
 * Validates one question against Bloom's taxonomy: level, knowledge dimension, complexity,
 * confidence, the four weighted rules, suggestions and the evidence behind each.
 *
 * The input is trusted to have passed questionInputSchema already (the ingress and the processor
 * parse it); re-parsing here would double the cost on the hot path. Pure and synchronous, so it
 * runs unchanged inside a Piscina worker thread. Cost: one compromise parse of the question, plus
 * one of the learning objective when present.
 */
// Questions in one import usually share a handful of learning objectives; remembering their
// levels (per model version, bounded) saves a second parse per question. Results are identical.
const OBJECTIVE_CACHE_SIZE = 256;
const objectiveCache = new Map<string, BloomLevel>();

function objectiveLevelOf(model: BloomModel, objective: string): BloomLevel {
  const key = `${model.version}\u0000${objective}`;
  const hit = objectiveCache.get(key);
  if (hit !== undefined) return hit;
  const level = predictAnalysis(model, analyseText(objective)).level;
  if (objectiveCache.size >= OBJECTIVE_CACHE_SIZE) objectiveCache.delete(objectiveCache.keys().next().value!);
  objectiveCache.set(key, level);
  return level;
}

export function scoreQuestion(question: QuestionInput, model: BloomModel): BloomScore {
  const analysis = analyseText(question.text);
  const prediction = predictAnalysis(model, analysis);
  const { level, evidence } = prediction;
  const s = analysis.structure;

  const complexity = computeComplexity({
    text: question.text,
    level,
    verbs: [s.governingVerb, ...s.coordinatedVerbs, ...s.otherVerbs].filter((v): v is string => v !== undefined),
  });
  const objective = (question.learningObjective ?? '').trim();
  const objectiveLevel = objective === '' ? undefined : objectiveLevelOf(model, objective);

  const sorted = Object.values(prediction.probabilities).sort((a, b) => b - a);
  const confidence = computeConfidence({
    level,
    topProbability: sorted[0] ?? 0,
    secondProbability: sorted[1] ?? 0,
    keywordMatches: evidence.keywordMatches,
    questionType: question.type,
    learningObjective: question.learningObjective,
  });
  const review = {
    needsReview: prediction.needsReview,
    runnerUpLevel: prediction.runnerUp,
    margin: round4(prediction.probabilities[level] - prediction.probabilities[prediction.runnerUp]),
    threshold: calibrationOf(model).reviewMargin,
  };
  const knowledge = classifyKnowledgeDimension(analysis, level);
  const rules = evaluateRules({ question, level, complexity: complexity.value, structure: s, objectiveLevel });
  const quality = qualityScore(rules);
  const suggestions = suggestionsFor(rules, { level, question, complexity: complexity.value, model, objectiveLevel }).map((x) => x.text);
  if (review.needsReview) suggestions.unshift(reviewSuggestion(level, prediction.runnerUp, review.margin));
  const intended = question.intendedLevel;
  if (intended !== undefined && intended !== level) suggestions.push(intendedLevelSuggestion(intended, level, exampleVerbs(model, intended)));

  return {
    level,
    knowledgeDimension: knowledge.dimension,
    complexity: complexity.value,
    // Calibrated: of results given confidence c, about c are right on a source never seen.
    confidence: model.calibration === undefined ? confidence.value : round4(prediction.confidence),
    qualityScore: quality,
    passed: isPassing(quality),
    suggestions,
    evidence: {
      classifier: evidence,
      probabilities: Object.fromEntries(Object.entries(prediction.probabilities).map(([k, p]) => [k, Math.round(p * 10_000) / 10_000])) as BloomScore['evidence']['probabilities'],
      knowledgeDimension: { cues: knowledge.cues, scores: knowledge.scores },
      complexity: { terms: complexity.terms, counts: complexity.counts },
      confidence: {
        method: model.calibration === undefined ? 'seed-formula' : 'calibrated',
        seedValue: confidence.value,
        base: confidence.base,
        classifierProbability: Math.round((sorted[0] ?? 0) * 10_000) / 10_000,
        clearKeywords: confidence.clearKeywords,
        bonuses: confidence.bonuses,
      },
      rules,
      review,
      objectiveLevel,
      intendedLevel: intended,
      agreesWithIntended: intended === undefined ? undefined : intended === level,
      passThreshold: PASS_THRESHOLD,
    },
    modelVersion: model.version,
    needsReview: review.needsReview,
    runnerUpLevel: review.runnerUpLevel,
  };
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** Said first among the suggestions, so an author sees the level is a judgement call. */
export function reviewSuggestion(level: BloomLevel, runnerUp: BloomLevel, margin: number): string {
  return `Needs review: the level is close between ${level} and ${runnerUp} (probabilities ${Math.round(margin * 100)} points apart); have a person confirm it, or make the task verb say which you mean.`;
}

/** When the author named a level the text does not read as: which verbs would ask for it. */
export function intendedLevelSuggestion(intended: BloomLevel, level: BloomLevel, verbs: readonly string[]): string {
  return `Meant as ${intended}, but the question reads as ${level}: to test ${intended}, make the task verb ask for it (e.g. ${verbs.join(', ')}).`;
}
