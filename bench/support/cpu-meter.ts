import { readFileSync, readdirSync } from 'node:fs';

/**
 * CPU time spent by each part of the system under test, in ms: this Node process (all its threads,
 * so the Piscina pool too), redis-server, and PostgreSQL (postmaster + every backend, + reaped
 * backends through the postmaster's children time). Unlike jobs/s, CPU-ms per job barely moves
 * when other programs compete for the cores, so it says where the time goes even on a busy machine.
 * Linux only (reads /proc); elsewhere the external parts read as 0.
 */
export interface CpuSnapshot {
  node: number;
  redis: number;
  postgres: number;
}

const TICK_MS = 10; // USER_HZ is 100 on every Linux Node supports

/** utime + stime (+ cutime + cstime when `withChildren`) of a pid, in ms; 0 when unreadable. */
function processCpuMs(pid: number, withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that ends the command name: state is field 3, utime field 14.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
    return ticks * TICK_MS;
  } catch {
    return 0;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export class CpuMeter {
  constructor(private readonly pids: { redis?: number; postmaster?: number }) {}

  snapshot(): CpuSnapshot {
    const usage = process.cpuUsage();
    const postmaster = this.pids.postmaster;
    let postgres = 0;
    if (postmaster !== undefined && process.platform === 'linux') {
      postgres = processCpuMs(postmaster, true);
      for (const entry of readdirSync('/proc')) {
        const pid = Number(entry);
        if (Number.isInteger(pid) && parentOf(pid) === postmaster) postgres += processCpuMs(pid);
      }
    }
    return {
      node: (usage.user + usage.system) / 1000,
      redis: this.pids.redis !== undefined ? processCpuMs(this.pids.redis) : 0,
      postgres,
    };
  }
}

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  return { node: after.node - before.node, redis: after.redis - before.redis, postgres: after.postgres - before.postgres };
}

export function addCpu(a: CpuSnapshot, b: CpuSnapshot): CpuSnapshot {
  return { node: a.node + b.node, redis: a.redis + b.redis, postgres: a.postgres + b.postgres };
}

export const zeroCpu = (): CpuSnapshot => ({ node: 0, redis: 0, postgres: 0 });

/** "2.10 ms CPU per job (node 1.20, postgres 0.70, redis 0.20)". */
export function describeCpuPer(total: CpuSnapshot, count: number, what: string): string {
  const per = (x: number) => (x / count).toFixed(2);
  const sum = total.node + total.redis + total.postgres;
  return `${per(sum)} ms CPU per ${what} (node ${per(total.node)}, postgres ${per(total.postgres)}, redis ${per(total.redis)})`;
}
