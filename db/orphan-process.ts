import { existsSync, readFileSync } from 'node:fs';

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined
 * when the process does not exist (or this is not Linux). A pid plus its start time names one
 * process for good: a pid reused by a later process has a different start time.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // field 22 overall: fields[0] is field 3
  } catch {
    return undefined;
  }
}

/** True while the process that recorded (pid, startTime) still runs — not a later one with its pid. */
export function processIsAlive(pid: number, startTime: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = processStartTime(pid);
  if (now !== undefined) return startTime === undefined || now === startTime;
  if (existsSync('/proc/self/stat')) return false; // Linux, and the pid is gone
  try {
    process.kill(pid, 0); // elsewhere: only "some process has this pid" can be known
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A server started by an earlier run that was killed (kill -9, a crash) outlives it and still holds
 * its data directory. Before starting a new one on the same directory, stop the old one: its pid is
 * the first line of `pidFile`, and it is only signalled if it is still that kind of server.
 *
 * DANGER: only call this once the data directory's owner is known to be gone (app/data-dir-lock.ts):
 * a server whose owning learnloop still runs is not a leftover, and stopping it takes a live system down.
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
