import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

/**
 * One row of the fault table. `sent`: jobs (or requests) put in; `completed`: those that ended as
 * they must (stored, or refused with the right 4xx); `lost`: acknowledged work that never happened;
 * `duplicated`: effects applied more than once (or, for refused requests, jobs/rows that appeared).
 */
export interface ScenarioResult {
  id: number;
  scenario: string;
  sent: number;
  completed: number;
  lost: number;
  duplicated: number;
  seconds: number;
  note: string;
}

export function formatTable(rows: ScenarioResult[]): string {
  const header = ['#', 'scenario', 'sent', 'completed', 'lost', 'duplicated', 'seconds', 'note'];
  const cells = rows.map((r) => [String(r.id), r.scenario, String(r.sent), String(r.completed), String(r.lost), String(r.duplicated), r.seconds.toFixed(1), r.note]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i >= 2 && i <= 6 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join('\n');
}

/** Prints the scenario's row now and leaves it for the table printed at the end of the run. */
export function recordScenario(result: ScenarioResult): void {
  writeFileSync(join(inject('faultResultsDir'), `${String(result.id).padStart(2, '0')}.json`), JSON.stringify(result));
  process.stdout.write(`\n${formatTable([result])}\n`);
}
