import { describe, expect, it } from 'vitest';
import { buildLearningPlan, milestoneCount } from '../../../core/plans/learning-plan.js';

describe('learning plan milestones', () => {
  it('matches a worked example (level 2 → 4 in 30 days)', () => {
    // gap = 2 → max(3, 4) = 4 milestones, p = 0.25, 0.5, 0.75, 1:
    //   level 2 + 2p = 2.5, 3, 3.5, 4; mastery 0.7 + 0.2p = 0.75, 0.8, 0.85, 0.9;
    //   sessions 5 + 2i = 5, 7, 9, 11; xp 100(i+1) = 100…400; day ceil(30p) = 8, 15, 23, 30.
    const plan = buildLearningPlan({ currentLevel: 2, targetLevel: 4, days: 30, startAt: Date.UTC(2025, 0, 1) });
    expect(plan.gap).toBe(2);
    expect(plan.milestones).toEqual([
      { milestone: 1, level: 2.5, mastery: 0.75, sessions: 5, xp: 100, dayOffset: 8, targetDate: '2025-01-09T00:00:00.000Z' },
      { milestone: 2, level: 3, mastery: 0.8, sessions: 7, xp: 200, dayOffset: 15, targetDate: '2025-01-16T00:00:00.000Z' },
      { milestone: 3, level: 3.5, mastery: 0.85, sessions: 9, xp: 300, dayOffset: 23, targetDate: '2025-01-24T00:00:00.000Z' },
      { milestone: 4, level: 4, mastery: 0.9, sessions: 11, xp: 400, dayOffset: 30, targetDate: '2025-01-31T00:00:00.000Z' },
    ]);
  });

  it('uses at least 3 milestones, and 2 per level of gap beyond that', () => {
    expect(milestoneCount(1)).toBe(3);
    expect(milestoneCount(4)).toBe(8);
    const small = buildLearningPlan({ currentLevel: 3, targetLevel: 4, days: 7 });
    expect(small.milestones.map((m) => m.level)).toEqual([3.33, 3.67, 4]);
    expect(small.milestones.map((m) => m.dayOffset)).toEqual([3, 5, 7]);
    expect(small.milestones[0]).not.toHaveProperty('targetDate');
  });

  it('never walks backwards: a target at or below the current level consolidates', () => {
    const plan = buildLearningPlan({ currentLevel: 4, targetLevel: 2, days: 1 });
    expect(plan.gap).toBe(0);
    expect(plan.milestones.map((m) => m.level)).toEqual([4, 4, 4]);
    expect(plan.milestones.map((m) => m.dayOffset)).toEqual([1, 1, 1]);
    expect(plan.milestones.at(-1)?.mastery).toBe(0.9);
  });
});
