import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HttpLoadResult, HttpLoadSpec } from './http-load.js';

const script = fileURLToPath(new URL('./http-load.ts', import.meta.url));

/** Runs autocannon in a child process (bench/support/http-load.ts) and returns its summary. */
export function runHttpLoad(spec: HttpLoadSpec): Promise<HttpLoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (spec.seconds + 60) * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) return reject(new Error(`http load generator exited with ${code}: ${err.trim()}`));
      resolve(JSON.parse(line) as HttpLoadResult);
    });
  });
}
