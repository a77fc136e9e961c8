import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HttpLoadResult, HttpLoadSpec } from './http-load.js';

const script = fileURLToPath(new URL('./http-load.ts', import.meta.url));

/**
 * autocannon in a child process (bench/support/http-load.ts), started once and reused for every
 * run of a benchmark: starting a TypeScript child per run would cost seconds each time.
 */
export class HttpLoadGenerator {
  private readonly child: ChildProcess;
  private stderr = '';

  constructor() {
    this.child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
  }

  run(spec: HttpLoadSpec): Promise<HttpLoadResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`load generator gave no answer within ${spec.seconds + 60} s`)), (spec.seconds + 60) * 1000);
      const onMessage = (message: HttpLoadResult | { error: string }) =>
        'error' in message ? finish(new Error(`load generator: ${message.error}`)) : finish(undefined, message);
      const onExit = (code: number | null) => finish(new Error(`load generator exited with ${code}: ${this.stderr.trim()}`));
      const finish = (error?: Error, result?: HttpLoadResult) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolve(result!);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(spec);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
