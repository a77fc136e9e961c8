/**
 * What a processor hands the composer for each question it may pick, and what comes back.
 * A processor builds candidates from the question pool joined with the item state (shared Elo
 * difficulty) and this learner's review state; everything else the composer derives itself.
 */
import type { ItemState } from '../learner/learner-state.js';
import type { ReviewState } from '../scheduling/review-state.js';
import type { FlowPhase } from './flow-curve.js';
import type { SessionShare } from './session-mix.js';

export interface SessionCandidate {
  questionId: string;
  categoryId: string | null;
  /** multiple_choice, true_false, short_answer, essay, fill_in, … */
  type: string;
  /** Number of options of a multiple-choice question (guessing = 1/options). */
  optionsCount?: number | null;
  /** The difficulty (1–5) the question arrived with; seeds the rating when `item` is absent. */
  statedDifficulty?: number | null;
  /** Latest validation verdict; `false` excludes the question, null/undefined (not yet validated) does not. */
  validationPassed?: boolean | null;
  item?: ItemState | null;
  /** This learner's review state for the question; absent = never answered. */
  review?: ReviewState | null;
}

export interface SessionPreferences {
  /** Preferred question types, used by the learning-style share. */
  questionTypes?: readonly string[];
  /** A learning style (verbal, logical): stands for its question types when questionTypes is absent. */
  learningStyle?: string;
}

export interface SessionPick {
  questionId: string;
  /** 1-based. */
  position: number;
  /** Logits: the difficulty of a guess-free question the learner would get right with `targetSuccess`. */
  targetDifficulty: number;
  targetSuccess: number;
  predictedSuccess: number;
  /** The share that picked it, or `fallback:<share>><share|any>` when a seat was redistributed. */
  reason: string;
  share: SessionShare | 'any';
  phase: FlowPhase;
  categoryId: string | null;
  /** The question's review was due when the session was composed. */
  due: boolean;
}
