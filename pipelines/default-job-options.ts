import type { JobsOptions } from 'bullmq';

/**
 * Retry and retention defaults. Eight attempts with exponential backoff from 1 s wait
 * 1+2+4+…+64 = 127 s in all before a job is dead-lettered, so a 60-second Redis or Postgres
 * outage never exhausts them. Completed and failed jobs are kept bounded by age and count.
 */
export const defaultJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 5_000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 10_000 },
};

/** For operator-triggered maintenance: fewer, slower retries, and a longer memory of failures. */
export const maintenanceJobOptions: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 30_000 },
  removeOnComplete: { age: 30 * 24 * 3600, count: 500 },
  removeOnFail: { age: 30 * 24 * 3600, count: 500 },
};
