import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { stopOrphan } from '../db/orphan-process.js';
import { readOrCreateSecret } from './server-secret.js';

/**
 * Starts the system's `redis-server` for `npm start` without REDIS_URL, and for tests. Durable
 * settings: AOF on with fsync every second (at most ~1 s of acknowledged writes can be lost on a
 * power cut), and `noeviction` — BullMQ must never have its keys evicted under memory pressure.
 */
export class RedisNotInstalledError extends Error {
  constructor() {
    super(
      [
        'redis-server was not found on PATH, and REDIS_URL is not set.',
        'Install Redis, or point learnloop at one:',
        '  Debian/Ubuntu:  sudo apt-get install -y redis-server',
        '  macOS:          brew install redis',
        '  Docker:         docker compose up -d redis   (then REDIS_URL=redis://127.0.0.1:6379)',
        '  or set REDIS_URL=redis://host:port to use an existing server.',
      ].join('\n'),
    );
    this.name = 'RedisNotInstalledError';
  }
}

export interface LocalRedisHandle {
  /** `redis://:<password>@127.0.0.1:<port>`: the password is generated per data directory. */
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error === undefined;
}

export async function startLocalRedis(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  /** More redis-server arguments (the cluster helper adds `--cluster-enabled yes` …). */
  extraArgs?: readonly string[];
  /** The password to require (the cluster helper gives every node the same); default: the data directory's own. */
  password?: string;
}): Promise<LocalRedisHandle> {
  if (!redisServerAvailable()) throw new RedisNotInstalledError();
  const dir = resolve(options.dataDir);
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, 'redis.pid');
  // A redis-server left behind by a killed run would write the same AOF: stop it first.
  await stopOrphan(pidFile, 'redis-server', 'SIGTERM');
  // The password goes in a config file (0600), not on the command line, where `ps` would show it.
  const password = options.password ?? readOrCreateSecret(join(dir, 'redis.password'));
  const configFile = join(dir, 'redis.conf');
  writeFileSync(configFile, `requirepass ${password}\n`, { mode: 0o600 });

  const persistent = options.persistent ?? true;
  const args = [
    configFile,
    '--port', String(options.port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--pidfile', pidFile,
    '--daemonize', 'no',
    '--maxmemory-policy', 'noeviction',
    '--appendonly', persistent ? 'yes' : 'no',
    '--appendfsync', 'everysec',
    '--save', '',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr?.on('data', (d) => (output = (output + d).slice(-4000)));

  const url = `redis://:${password}@127.0.0.1:${options.port}`;
  await waitUntilPingable(url, child, () => output);
  return {
    url,
    port: options.port,
    process: child,
    stop: () => stopChild(child),
  };
}

async function waitUntilPingable(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}:\n${output()}`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server did not answer within 15 s:\n${output()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
