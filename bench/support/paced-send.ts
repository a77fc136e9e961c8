import { performance } from 'node:perf_hooks';

/**
 * An open-loop producer: calls `send(i)` at evenly spaced instants, `rate` per second for
 * `seconds`, without waiting for earlier sends (a late timer sends everything overdue at once, then
 * keeps to the schedule). Latency at a given load must be measured with even arrivals: a generator
 * that sends each second's quota in one burst at the start of the second (autocannon's `overallRate`
 * does) measures how long a burst takes to drain, not how long a job waits at that load.
 */
export async function pacedSend(rate: number, seconds: number, send: (i: number) => Promise<unknown>): Promise<number> {
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const start = performance.now();
  const inFlight: Promise<unknown>[] = [];
  let i = 0;
  await new Promise<void>((resolve, reject) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (i < due) inFlight.push(send(i++).catch(reject));
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  return total;
}
