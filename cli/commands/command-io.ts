import type { Config } from '../../core/config/config-schema.js';
import type { Logger } from '../../observability/logger.js';

/** Where a command writes: stdout for its answer, stderr for problems (logs go to stderr too). */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** The options every operator command may be given (`learnloop <command> --help` lists them). */
export interface OperatorOptions {
  json?: boolean;
  date?: string;
  format?: string;
  family?: string;
  limit?: string;
}

export interface OperatorCommandInput {
  config: Config;
  logger: Logger;
  /** Positionals after the command's own words (`trace user ID` → [ID]). */
  args: string[];
  options: OperatorOptions;
  io: CommandIo;
}

/** Exit codes of the operator commands. */
export const exitCode = { ok: 0, failed: 1, usage: 2 } as const;

/** A usage error: the command prints it with its usage line and exits 2. */
export class UsageError extends Error {}

/** Aligned `key  value` lines for people; `--json` prints the object instead. */
export function printRecord(io: CommandIo, json: boolean | undefined, value: unknown, lines: () => string[]): void {
  if (json) io.out(JSON.stringify(value, null, 2));
  else for (const line of lines()) io.out(line);
}

export function table(rows: readonly (readonly (string | number)[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, String(cell).length)));
  return rows.map((row) => row.map((cell, i) => String(cell).padEnd(widths[i]!)).join('  ').trimEnd());
}

export const percent = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
