import { describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../../workers/runtime/micro-batcher.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** A batcher whose flush answers each item with itself and records every batch it was given. */
function echoBatcher(options: { maxItems: number; maxWaitMs: number; maxConcurrentFlushes: number }) {
  const flushed: number[][] = [];
  const batcher = new MicroBatcher<number, number>({
    ...options,
    flush: async (items) => {
      flushed.push(items);
      return items;
    },
  });
  return { batcher, flushed };
}

describe('MicroBatcher', () => {
  it('writes items added together in one flush and resolves each with its own result', async () => {
    const flushed: number[][] = [];
    const batcher = new MicroBatcher<number, string>({
      maxItems: 100,
      maxWaitMs: 5,
      maxConcurrentFlushes: 1,
      flush: async (items) => {
        flushed.push(items);
        return items.map((i) => `done-${i}`);
      },
    });
    const results = await Promise.all([1, 2, 3, 4].map((i) => batcher.add(i)));
    expect(results).toEqual(['done-1', 'done-2', 'done-3', 'done-4']);
    expect(flushed).toEqual([[1, 2, 3, 4]]);
  });

  it('keeps items added in one tick together even when adding them outlasts maxWaitMs', async () => {
    const { batcher, flushed } = echoBatcher({ maxItems: 100, maxWaitMs: 1, maxConcurrentFlushes: 4 });
    const added = [1, 2, 3, 4].map((i) => {
      // A slow tick (GC, a busy machine): the first item is past maxWaitMs before the last arrives.
      const until = performance.now() + 2;
      while (performance.now() < until);
      return batcher.add(i);
    });
    await Promise.all(added);
    expect(flushed).toEqual([[1, 2, 3, 4]]);
  });

  it('flushes as soon as maxItems are waiting, and never more than maxItems at once', async () => {
    // maxWaitMs far away: only the size can trigger these flushes.
    const { batcher, flushed } = echoBatcher({ maxItems: 3, maxWaitMs: 60_000, maxConcurrentFlushes: 2 });
    const all = Promise.all([1, 2, 3, 4, 5, 6].map((i) => batcher.add(i)));
    await expect(all).resolves.toEqual([1, 2, 3, 4, 5, 6]);
    expect(flushed).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('rejects every item of a failed flush with its error, and keeps working afterwards', async () => {
    let fail = true;
    const batcher = new MicroBatcher<string, boolean>({
      maxItems: 10,
      maxWaitMs: 1,
      maxConcurrentFlushes: 1,
      flush: async (items) => {
        if (fail) throw new Error('database went away');
        return items.map(() => true);
      },
    });
    const outcomes = await Promise.allSettled(['a', 'b'].map((x) => batcher.add(x)));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason.message).toBe('database went away');
    fail = false;
    await expect(batcher.add('c')).resolves.toBe(true);
  });

  it('holds items back while maxConcurrentFlushes are running, then writes them together', async () => {
    const flushed: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new MicroBatcher<number, number>({
      maxItems: 100,
      maxWaitMs: 0,
      maxConcurrentFlushes: 1,
      flush: async (items) => {
        flushed.push(items);
        if (flushed.length === 1) await gate;
        return items;
      },
    });
    const first = batcher.add(1);
    await tick(5);
    const rest = Promise.all([2, 3, 4].map((i) => batcher.add(i)));
    await tick(5);
    expect(flushed).toEqual([[1]]);
    expect(batcher.size).toBe(3);
    release();
    await expect(first).resolves.toBe(1);
    await expect(rest).resolves.toEqual([2, 3, 4]);
    expect(flushed).toEqual([[1], [2, 3, 4]]);
  });

  it('reports pending items up and down to its gauge callback', async () => {
    let pending = 0;
    const seen: number[] = [];
    const batcher = new MicroBatcher<number, number>({
      maxItems: 10,
      maxWaitMs: 1,
      maxConcurrentFlushes: 1,
      flush: async (items) => {
        seen.push(pending);
        return items;
      },
      onPendingChange: (d) => (pending += d),
    });
    await Promise.all([1, 2, 3].map((i) => batcher.add(i)));
    expect(seen).toEqual([3]);
    expect(pending).toBe(0);
  });

  it('settles every caller when the flush returns the wrong number of results', async () => {
    const batcher = new MicroBatcher<number, number>({
      maxItems: 10,
      maxWaitMs: 1,
      maxConcurrentFlushes: 1,
      flush: async () => [1],
    });
    const outcomes = await Promise.allSettled([1, 2].map((i) => batcher.add(i)));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
  });
  it('addMany: one promise for several items, split across batches like adds, results in order', async () => {
    const { batcher, flushed } = echoBatcher({ maxItems: 3, maxWaitMs: 60_000, maxConcurrentFlushes: 2 });
    const single = batcher.add(0);
    const many = batcher.addMany([1, 2, 3, 4, 5]);
    await expect(single).resolves.toBe(0);
    await expect(many).resolves.toEqual([1, 2, 3, 4, 5]);
    // Added in one tick: they fill batches in order, as six adds would.
    expect(flushed).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    await expect(batcher.addMany([])).resolves.toEqual([]);
  });

  it('addMany rejects when any batch holding one of its items fails, and counts its items in the gauge', async () => {
    let pending = 0;
    const batcher = new MicroBatcher<number, number>({
      maxItems: 2,
      maxWaitMs: 0,
      maxConcurrentFlushes: 4,
      flush: async (items) => {
        if (items.includes(3)) throw new Error('database went away');
        return items;
      },
      onPendingChange: (d) => (pending += d),
    });
    await expect(batcher.addMany([1, 2, 3, 4, 5])).rejects.toThrow('database went away');
    await tick(5);
    expect(pending).toBe(0);
    await expect(batcher.addMany([6, 7])).resolves.toEqual([6, 7]);
  });
});
