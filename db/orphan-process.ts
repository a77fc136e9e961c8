import { existsSync, readFileSync } from 'node:fs';

/**
 * A server started by an earlier run that was killed (kill -9, a crash) outlives it and still holds
 * its data directory. Before starting a new one on the same directory, stop the old one: its pid is
 * the first line of `pidFile`, and it is only signalled if it is still that kind of server.
 */
export async function stopOrphan(pidFile: string, processName: string, signal: NodeJS.Signals, timeoutMs = 15_000): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
  const alive = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(processName);
    } catch {
      return false; // gone (or not Linux: nothing we can check)
    }
  };
  if (!alive()) return;
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}
