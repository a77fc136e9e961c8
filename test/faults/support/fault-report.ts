import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type ScenarioResult, formatTable } from './scenario-result.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Each fault scenario writes its result here as JSON; the teardown prints them as one table. */
    faultResultsDir: string;
  }
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'learnloop-faults-'));
  project.provide('faultResultsDir', dir);
  return () => {
    const results: ScenarioResult[] = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ScenarioResult)
      .sort((a, b) => a.id - b.id);
    process.stdout.write(`\nFault suite — per scenario\n${formatTable(results)}\n`);
    rmSync(dir, { recursive: true, force: true });
  };
}
