// What dominates a CPU profile (`node --cpu-prof` output): self time by function and by package.
// Run: node dist/bench/profile-summary.js <file.cpuprofile> [top]
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface ProfileSummary {
  totalMs: number;
  byFunction: { name: string; ms: number; share: number }[];
  byPackage: { name: string; ms: number; share: number }[];
}

/** node_modules/<pkg> (or our own src/… file, or a V8/Node category) a frame belongs to. */
function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length).replace(/\.js$/, '');
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

/**
 * Self time by function and package. `windows`: only samples inside these intervals, given in
 * µs since the profiled process started (the profile's startTime).
 */
export function summarizeProfile(file: string, top = 25, windows?: [number, number][]): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (windows && !windows.some(([from, to]) => at >= from && at <= to)) continue;
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const where = packageOf(url, functionName || '(anonymous)');
    const name = `${functionName || '(anonymous)'} ${url ? `${where}:${lineNumber + 1}` : ''}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + us);
    pkg.set(where, (pkg.get(where) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / totalUs }));
  return { totalMs: totalUs / 1000, byFunction: rank(fn), byPackage: rank(pkg) };
}

export function formatProfile(s: ProfileSummary, title: string): string {
  const lines = [`${title}: ${(s.totalMs / 1000).toFixed(1)} s of samples`, '  by package/file (self time):'];
  for (const e of s.byPackage) lines.push(`    ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.name}`);
  lines.push('  by function (self time):');
  for (const e of s.byFunction) lines.push(`    ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.name}`);
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top, windowsFile] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top] [windows.json]\n');
    process.exit(2);
  }
  const windows = windowsFile ? JSON.parse(fs.readFileSync(windowsFile, 'utf8')) as [number, number][] : undefined;
  console.log(formatProfile(summarizeProfile(file, Number(top ?? 25), windows), file));
}
