// The bench's output: a table (measurement | vtmigrate | baseline | ratio), the same as
// Markdown for the README, and bench/results/latest.json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Summary } from './stats';

export interface Result {
  name: string;
  /** Median over runs; null when not measured. */
  value: number | null;
  unit: string;
  baseline: string | null;
  baseline_value: number | null;
  /** value ÷ baseline_value. */
  ratio: number | null;
  /** Every run's value. */
  runs: number[];
  min?: number;
  max?: number;
  baseline_runs?: number[];
  /** What the value is, when the table cell needs more than the number (e.g. MB/s beside rows/s). */
  note?: string;
  details?: Record<string, unknown>;
}

export function result(name: string, unit: string, s: Summary | undefined, baseline?: { name: string; s: Summary }, extra: Partial<Result> = {}): Result {
  const value = s ? s.median : null;
  const baselineValue = baseline ? baseline.s.median : null;
  return {
    name, value, unit,
    baseline: baseline?.name ?? null,
    baseline_value: baselineValue,
    ratio: value !== null && baselineValue ? value / baselineValue : null,
    runs: s?.runs ?? [],
    ...(s ? { min: s.min, max: s.max } : {}),
    ...(baseline ? { baseline_runs: baseline.s.runs } : {}),
    ...extra,
  };
}

export function machine(): string {
  const cpus = os.cpus();
  let mariadb = '';
  try {
    mariadb = execFileSync('mariadbd', ['--version'], { encoding: 'utf8' }).trim().replace(/^.*Ver\s+/, 'MariaDB ').replace(/\s+for\s.*$/, '');
  } catch {
    mariadb = 'MariaDB ?';
  }
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, ${mariadb}`;
}

export function fmt(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  const abs = Math.abs(n);
  if (abs >= 100) return Math.round(n).toLocaleString('en-US');
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function cell(value: number | null | undefined, min: number | undefined, max: number | undefined, unit: string): string {
  if (value === null || value === undefined) return 'not available';
  const range = min !== undefined && max !== undefined && min !== max ? ` (${fmt(min)}–${fmt(max)})` : '';
  return `${fmt(value)}${range} ${unit}`;
}

function baselineMinMax(r: Result): { min?: number; max?: number } {
  if (!r.baseline_runs || r.baseline_runs.length === 0) return {};
  return { min: Math.min(...r.baseline_runs), max: Math.max(...r.baseline_runs) };
}

export function rows(results: Result[]): string[][] {
  return results.map((r) => {
    const b = baselineMinMax(r);
    const ours = cell(r.value, r.min, r.max, r.unit) + (r.note ? `; ${r.note}` : '');
    const base = r.baseline ? `${r.baseline}: ${cell(r.baseline_value, b.min, b.max, r.unit)}` : '—';
    return [r.name, ours, base, r.ratio !== null ? `${r.ratio.toFixed(2)}×` : '—'];
  });
}

export function textTable(results: Result[]): string {
  const header = ['measurement', 'vtmigrate', 'baseline', 'ratio'];
  const body = rows(results);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

export function markdownTable(results: Result[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return ['| measurement | vtmigrate | baseline | ratio |', '| --- | --- | --- | --- |',
    ...rows(results).map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function writeJson(file: string, date: string, machineText: string, results: Result[], setup: Record<string, unknown>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ date, machine: machineText, setup, results }, null, 2) + '\n');
}
