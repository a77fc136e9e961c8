import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';

const tsx = () => join(process.cwd(), 'node_modules/.bin/tsx');

/** Runs `learnloop <args>` from source to its end; exit code and output. */
export function runCli(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx(), ['cli/learnloop.ts', ...args], { cwd: process.cwd(), env: { ...process.env, LOG_LEVEL: 'silent', ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A long-running `learnloop <role>` process; `stop` sends SIGTERM and resolves with its exit code. */
export interface CliProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

export function spawnCli(args: string[], env: Record<string, string | undefined>): CliProcess {
  const child = spawn(tsx(), ['cli/learnloop.ts', ...args], { cwd: process.cwd(), env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output = (output + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
