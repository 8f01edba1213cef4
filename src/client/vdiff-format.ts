// VDiff's outputs as vtctldclient prints them (command/vreplication/vdiff/vdiff.go): the summary
// text template (blank lines collapsed) and its JSON (Go's encoding/json of the Summary struct),
// the `show all` grid table (gotabulate "grid"), and the one-line answers of resume, stop, delete.
import { formatGoJSON, type JsonValue } from '../topo';
import type { VDiffSummary } from '../workflows/vdiff-api';

export function summaryJSON(s: VDiffSummary): string {
  return formatGoJSON(s as unknown as JsonValue);
}

/** The summary text template, rendered and with "\n\n" collapsed as Vitess does. */
export function summaryText(s: VDiffSummary): string {
  let out = `\nVDiff Summary for ${s.Keyspace}.${s.Workflow} (${s.UUID})\nState:        ${s.State}\n`;
  if (s.Errors) {
    for (const shard of Object.keys(s.Errors).sort()) out += `\n              Error: (shard ${shard}) ${s.Errors[shard]}`;
    out += '\n';
  }
  out += `\nRowsCompared: ${s.RowsCompared}\n`;
  // Ours: the comparison rate (live while started, else the run's average).
  if (s.RowsPerSecond !== undefined) out += `RowsPerSecond: ${s.RowsPerSecond}\n`;
  out += `HasMismatch:  ${s.HasMismatch}\nStartedAt:    ${s.StartedAt ?? ''}\n`;
  if (s.State === 'started') out += `Progress:     ${(s.Progress?.Percentage ?? 0).toFixed(2)}%${s.Progress?.ETA ? `, ETA: ${s.Progress.ETA}` : ''}`;
  out += '\n';
  if (s.CompletedAt) out += `CompletedAt:  ${s.CompletedAt}`;
  out += '\n';
  for (const name of Object.keys(s.TableSummary ?? {}).sort()) {
    const t = s.TableSummary![name];
    out += ` \nTable ${t.TableName}:\n\tState:            ${t.State}\n\tProcessedRows:    ${t.RowsCompared}\n\tMatchingRows:     ${t.MatchingRows}\n`;
    if (t.MismatchedRows) out += `\tMismatchedRows:   ${t.MismatchedRows}`;
    out += '\n';
    if (t.ExtraRowsSource) out += `\tExtraRowsSource:  ${t.ExtraRowsSource}`;
    out += '\n';
    if (t.ExtraRowsTarget) out += `\tExtraRowsTarget:  ${t.ExtraRowsTarget}`;
    out += '\n';
  }
  out += '\n \nUse "--format=json" for more detailed output.\n';
  while (out.includes('\n\n')) out = out.replace(/\n\n/g, '\n');
  return out;
}

export interface Listing { UUID: string; Workflow: string; Keyspace: string; Shard: string; State: string }

/** gotabulate's "grid" rendering (right-aligned cells, width + 5, a rule between rows). */
export function listingGrid(rows: Listing[]): string {
  const header = ['UUID', 'Workflow', 'Keyspace', 'Shard', 'State'];
  const data = rows.map((r) => [r.UUID, r.Workflow, r.Keyspace, r.Shard, r.State]);
  const widths = header.map((h, i) => Math.max(h.length, ...data.map((d) => d[i].length)) + 5);
  const rule = (ch: string) => `+${widths.map((w) => ch.repeat(w)).join('+')}+`;
  const line = (cells: string[]) => `|${cells.map((c, i) => ` ${c} `.padStart(widths[i])).join('|')}|`;
  const lines = [rule('-'), line(header), rule('=')];
  data.forEach((d, i) => {
    lines.push(line(d));
    if (i < data.length - 1) lines.push(rule('-'));
  });
  lines.push(rule('-'));
  return `${lines.join('\n')}\n`;
}

export function listingJSON(rows: Listing[]): string {
  return formatGoJSON(rows as unknown as JsonValue);
}

/** The answer of resume, stop and delete (vdiff.go displaySimpleResponse). */
export function simpleResponse(action: 'resume' | 'stop' | 'delete', format: 'text' | 'json'): string {
  const status = action === 'resume' ? 'scheduled' : 'completed';
  return format === 'json' ? formatGoJSON({ Action: action, Status: status }) : `VDiff ${action} ${status}`;
}
