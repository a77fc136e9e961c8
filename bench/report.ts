import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure } from './benchmark.js';
import type { MachineInfo } from './machine-info.js';

export interface BenchRecord {
  name: string;
  title: string;
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or how it failed. */
  reason?: string;
  figures: Figure[];
  notes: string[];
  seconds: number;
  /** 1-minute load average before and after: a hint of how noisy the machine was meanwhile. */
  load: { before: number; after: number };
}

export interface BenchReport {
  startedAt: string;
  durationSeconds: number;
  mode: 'full' | 'quick';
  runsPerFigure: number;
  runSeconds: number;
  /** `--set` configuration given to the systems under test (empty: production defaults). */
  settings: Record<string, string>;
  machine: MachineInfo;
  benchmarks: BenchRecord[];
}

/** Three significant digits at most, thousands grouped: 12 345, 312, 41.2, 0.873. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 }).replace(/,/g, ' ');
}

function targetText(f: Figure): string {
  if (!f.target) return '';
  const on = f.baseline ? '' : ` ${f.unit}`;
  const parts = [];
  if (f.target.atLeast !== undefined) parts.push(`≥ ${f.target.atLeast}${on}`);
  if (f.target.atMost !== undefined) parts.push(`≤ ${f.target.atMost}${on}`);
  return `${parts.join(', ')} ${f.met ? '✅' : '❌'}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** A skip or failure reason in a table cell: the start of it (latest.json keeps the whole). */
const shortReason = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}… (see latest.json)` : text);

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [];
  lines.push(`### learnloop benchmarks (${report.mode} run, ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC)`);
  lines.push('');
  lines.push(
    `Machine: ${m.cpuModel}, ${m.cores} cores (${m.availableParallelism} available), ${m.memoryGiB} GiB, ${m.os}; ` +
      `Node ${m.node}, Redis ${m.redis}, PostgreSQL ${m.postgres}. Load average at start ${m.loadAverageAtStart}.`,
  );
  lines.push(
    `Each figure is the median of ${report.runsPerFigure} runs (~${report.runSeconds} s each) with min–max; ` +
      `every baseline was measured in the same run. Whole run: ${Math.round(report.durationSeconds)} s.`,
  );
  const peakLoad = Math.max(m.loadAverageAtStart, ...report.benchmarks.flatMap((b) => [b.load.before, b.load.after]));
  if (peakLoad > m.availableParallelism) {
    lines.push('');
    lines.push(
      `**The machine was busy** (1-min load average up to ${peakLoad} on ${m.availableParallelism} cores): other programs competed ` +
        `for the CPU, so rates, and above all parallel speed-ups, understate an idle machine. The CPU-per-job notes hold regardless.`,
    );
  }
  const settings = Object.entries(report.settings);
  if (settings.length > 0) lines.push(`Configuration overrides: ${settings.map(([k, v]) => `${k}=${v}`).join(', ')}.`);
  lines.push('');
  lines.push('| benchmark | figure | median | min – max | baseline (median) | ratio | target |');
  lines.push('|---|---|---:|---:|---|---:|---|');
  for (const b of report.benchmarks) {
    if (b.status !== 'ok') {
      lines.push(`| ${cell(b.title)} | **${b.status}** | | | ${cell(shortReason(b.reason ?? ''))} | | |`);
      continue;
    }
    b.figures.forEach((f, i) => {
      const baseline = f.baseline ? `${f.baseline.name}: ${formatNumber(f.baseline.value)} ${f.baseline.unit}` : '';
      lines.push(
        `| ${i === 0 ? cell(b.title) : ''} | ${cell(f.name)} | ${formatNumber(f.value)} ${f.unit} | ` +
          `${formatNumber(f.min)} – ${formatNumber(f.max)} | ${cell(baseline)} | ` +
          `${f.ratio === undefined ? '' : formatNumber(f.ratio)} | ${targetText(f)} |`,
      );
    });
  }
  const withNotes = report.benchmarks.filter((b) => b.notes.length > 0 || b.figures.some((f) => f.note));
  if (withNotes.length > 0) {
    lines.push('');
    lines.push('Notes:');
    for (const b of withNotes) {
      const notes = [...b.notes, ...b.figures.filter((f) => f.note).map((f) => `${f.name}: ${f.note}`)];
      const load = `load ${b.load.before} → ${b.load.after}`;
      lines.push(`- **${b.title}** (${Math.round(b.seconds)} s, ${load}): ${notes.join('; ')}`);
    }
  }
  lines.push('');
  lines.push('Reproduce: `npm run bench` (full, < 10 min on 2 cores) or `npm run bench -- --quick` (smoke run).');
  return `${lines.join('\n')}\n`;
}

/** Writes `<name>.json` and `<name>.md` under `dir`. */
export function writeReport(dir: string, name: string, report: BenchReport): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const markdown = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(report));
  return { json, markdown };
}
