/**
 * Comeback mode (accuracy < 60% → comeback mode), made precise:
 * - The learner state keeps the last `enterWindow` (10) outcomes.
 * - Enter when not in comeback, at least `enterMinAnswers` (5) outcomes are known, and accuracy
 *   over them (up to the last 10) is below 0.60.
 * - Exit when at least `exitWindow` (8) answers were given since entering and accuracy over the
 *   last 8 is at least 0.75 (≥ 6 of 8). Counting only answers since entering stops the bad run
 *   that caused the entry from also deciding the exit.
 * - While in comeback mode the composer lowers every target by `offset` (−0.5 logits), still
 *   clamped to the flow band, i.e. it aims at the easy end of 70–85%.
 */

export interface ComebackSettings {
  enterWindow: number;
  enterMinAnswers: number;
  enterBelow: number;
  exitWindow: number;
  exitAtLeast: number;
}

export interface ComebackState {
  comebackMode: boolean;
  /** Answers given since comeback mode was entered (0 when not in comeback). */
  comebackAnswers: number;
  /** Most recent last; at most max(enterWindow, exitWindow) entries. */
  recentOutcomes: boolean[];
}

export type ComebackRuleName = 'comeback-enter' | 'comeback-exit';

export interface ComebackOutcome extends ComebackState {
  fired: ComebackRuleName | null;
  accuracy: number;
}

function accuracy(outcomes: readonly boolean[]): number {
  if (outcomes.length === 0) return 1;
  let right = 0;
  for (const o of outcomes) if (o) right += 1;
  return right / outcomes.length;
}

export function updateComeback(state: ComebackState, correct: boolean, settings: ComebackSettings): ComebackOutcome {
  const keep = Math.max(settings.enterWindow, settings.exitWindow);
  const recentOutcomes = [...state.recentOutcomes, correct].slice(-keep);
  if (!state.comebackMode) {
    const window = recentOutcomes.slice(-settings.enterWindow);
    const acc = accuracy(window);
    if (window.length >= settings.enterMinAnswers && acc < settings.enterBelow) {
      return { comebackMode: true, comebackAnswers: 0, recentOutcomes, fired: 'comeback-enter', accuracy: acc };
    }
    return { comebackMode: false, comebackAnswers: 0, recentOutcomes, fired: null, accuracy: acc };
  }
  const comebackAnswers = state.comebackAnswers + 1;
  const window = recentOutcomes.slice(-settings.exitWindow);
  const acc = accuracy(window);
  if (comebackAnswers >= settings.exitWindow && acc >= settings.exitAtLeast) {
    return { comebackMode: false, comebackAnswers: 0, recentOutcomes, fired: 'comeback-exit', accuracy: acc };
  }
  return { comebackMode: true, comebackAnswers, recentOutcomes, fired: null, accuracy: acc };
}
