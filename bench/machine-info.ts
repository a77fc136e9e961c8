import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  /** Cores this process may use (cgroup/affinity aware); what the benchmarks size threads by. */
  availableParallelism: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
  postgres: string;
  /** 1-minute load average when the run started: above the core count means others were busy. */
  loadAverageAtStart: number;
}

export function machineInfo(versions: { redis: string; postgres: string }): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    availableParallelism: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    redis: versions.redis,
    postgres: versions.postgres,
    loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}

export function currentLoad(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}
