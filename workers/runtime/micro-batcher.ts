/**
 * An in-process micro-batcher. BullMQ hands a processor one job at a time; when many jobs run
 * concurrently in one worker (high concurrency), each calls `add` and waits, the batcher collects
 * their items for up to `maxWaitMs` (from the oldest) or until `maxItems` are waiting, and runs
 * ONE `flush` for all of them. Each caller's promise settles with its own item's result when that
 * flush settles (with all its items' results, for `addMany`): resolved if it succeeded, rejected
 * with the flush's error if not — so every job of a failed batch fails and BullMQ retries it (the
 * flush must therefore be idempotent).
 *
 * At most `maxConcurrentFlushes` flushes run at once; items arriving meanwhile wait for the next
 * batch, so batches grow by themselves under load.
 *
 * Items added in the same tick always share a batch (up to maxItems): the decision to flush is taken
 * in a microtask after the adds, not inside each one — otherwise a slow tick (GC, a busy machine)
 * would age the first item past maxWaitMs while the rest are still being added, and split them.
 */
export interface MicroBatcherOptions<I, O> {
  maxItems: number;
  maxWaitMs: number;
  maxConcurrentFlushes: number;
  /** Writes a batch; returns one result per item, in order. */
  flush: (items: I[]) => Promise<O[]>;
  /** Told how many items wait or are being flushed, after each change (for a gauge). */
  onPendingChange?: (delta: number) => void;
}

/** The callers' side of one `add` / `addMany`: its items' results, settled once all are in. */
interface Group<O> {
  results: O[];
  remaining: number;
  resolve: (results: O[]) => void;
  reject: (error: unknown) => void;
}

interface Entry<I, O> {
  item: I;
  since: number;
  group: Group<O>;
  /** This item's place in its group's results. */
  index: number;
}

export class MicroBatcher<I, O> {
  private waiting: Entry<I, O>[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private drainQueued = false;

  constructor(private readonly options: MicroBatcherOptions<I, O>) {
    if (options.maxItems < 1 || options.maxConcurrentFlushes < 1) throw new Error('maxItems and maxConcurrentFlushes must be at least 1');
  }

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.enqueue([item], { results: new Array<O>(1), remaining: 1, resolve: (results) => resolve(results[0]!), reject });
    });
  }

  /**
   * Several items of one caller (a job's traces): the same as `add` for each, in one promise that
   * resolves with their results in order once every batch holding one of them has settled, or
   * rejects with the error of the first that failed. The items may be split across batches as
   * `add`'s would. One promise per call, not per item: a bulk job adds hundreds of items, and a
   * promise, two closures and a Promise.all reaction per item were a visible share of its CPU.
   */
  addMany(items: readonly I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      this.enqueue(items, { results: new Array<O>(items.length), remaining: items.length, resolve, reject });
    });
  }

  private enqueue(items: readonly I[], group: Group<O>): void {
    const since = performance.now();
    for (let index = 0; index < items.length; index++) this.waiting.push({ item: items[index]!, since, group, index });
    this.options.onPendingChange?.(items.length);
    if (!this.drainQueued) {
      this.drainQueued = true;
      queueMicrotask(() => {
        this.drainQueued = false;
        this.drain();
      });
    }
  }

  /** Items not yet handed to a flush. */
  get size(): number {
    return this.waiting.length;
  }

  private drain(): void {
    const { maxItems, maxWaitMs, maxConcurrentFlushes } = this.options;
    while (this.waiting.length > 0 && this.inFlight < maxConcurrentFlushes) {
      const age = performance.now() - this.waiting[0]!.since;
      if (this.waiting.length < maxItems && age < maxWaitMs) {
        // Not full and not old enough: come back when the oldest item has waited maxWaitMs.
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.drain();
        }, Math.max(0, maxWaitMs - age));
        return;
      }
      this.run(this.waiting.splice(0, maxItems));
    }
  }

  private run(batch: Entry<I, O>[]): void {
    this.inFlight++;
    if (this.waiting.length === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // Bookkeeping comes before the callers are settled, so a caller sees the gauge already down.
    const settle = (settleAll: () => void) => {
      this.inFlight--;
      this.options.onPendingChange?.(-batch.length);
      settleAll();
      this.drain();
    };
    // Promise.resolve().then: a flush that throws synchronously still settles every caller.
    Promise.resolve()
      .then(() => this.options.flush(batch.map((e) => e.item)))
      .then((results) => {
        if (results.length !== batch.length) throw new Error(`flush returned ${results.length} results for ${batch.length} items`);
        return results;
      })
      .then(
        (results) =>
          settle(() => {
            for (let i = 0; i < batch.length; i++) {
              const { group, index } = batch[i]!;
              group.results[index] = results[i]!;
              if (--group.remaining === 0) group.resolve(group.results);
            }
          }),
        // A group already rejected by another batch ignores this (a promise settles once).
        (error: unknown) => settle(() => batch.forEach((e) => e.group.reject(error))),
      );
  }
}
