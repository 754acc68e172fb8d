/**
 * Squeeze reports (src/study/squeeze.ts): the one-screen table (one line per allocator), the
 * full ladder as a detail table and as CSV, and the one-line tight-memory summary the default
 * job and the report print per allocator.
 */
import Table from 'cli-table3';
import type { SqueezeAllocator, SqueezePoint, SqueezeReport, SqueezeTrace } from '../study/squeeze';
import { formatBytes } from '../util';
import { csvLine } from './csv';
import { int, mixNote, pct0, tightLine, type TableStyle } from './table';

const pct1 = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '-');
const plain = (s: TableStyle) => (s.color ? { compact: true } : { head: [] as string[], border: [] as string[], compact: true });

/** The tight-memory line of a squeezed allocator: the same line as under compare's tables (tightLine). */
export function squeezeLine(a: Pick<SqueezeAllocator, 'minHeap' | 'summary' | 'minHeapError'>): string {
  return tightLine({ minHeap: a.minHeap, summary: a.summary, minHeapError: a.minHeapError ?? 'not found' }) ?? 'no summary';
}

const BARS = '▁▂▃▄▅▆▇█';

/** One character per ladder size, largest heap first: blank = no failure, bars on a log scale up to `max`. */
export function sparkline(points: readonly SqueezePoint[], max: number): string {
  const top = Math.log10(1 + Math.max(1, max));
  return points
    .map((p) => {
      if (p.status === 'error') return 'x';
      if (!(p.failures > 0)) return '·';
      const k = Math.min(BARS.length - 1, Math.floor(((BARS.length - 1) * Math.log10(1 + p.failures)) / top));
      return BARS[k]!;
    })
    .join('');
}

/** The ladder point closest to `fraction` × peak live from below (the bottom of the default ladder). */
function bottomPoint(a: SqueezeAllocator): SqueezePoint | undefined {
  return a.points[a.points.length - 1];
}

function probePoint(a: SqueezeAllocator): SqueezePoint | undefined {
  return a.summary ? a.points.find((p) => p.heap === a.summary!.probe) : undefined;
}

export const SQUEEZE_HEAD = [
  'allocator', 'fails below', '90 % min: fails', 'frag', 'first fail', 'free / largest at 1st', 'bottom: fails', 'failed bytes', 'recov.', 'ladder',
];

function allocatorRow(a: SqueezeAllocator, max: number): string[] {
  if (a.minHeap === null) return [a.allocator, 'not found', '-', '-', '-', '-', '-', '-', '-', sparkline(a.points, max)];
  const p = probePoint(a);
  const b = bottomPoint(a);
  const f = p?.firstFailure;
  const recovered = a.points.reduce((s, x) => s + (x.recovered || 0), 0);
  return [
    a.allocator,
    formatBytes(a.summary?.startsFailingBelow ?? a.minHeap),
    p ? (p.status === 'error' ? 'cannot run' : int(p.failures)) : '-',
    p && p.failures > 0 ? pct0(p.fragmentation / p.failures) : '-',
    f ? `op ${int(f.op)} (${pct1(f.at)})` : '-',
    f ? `${formatBytes(f.free)} / ${formatBytes(f.largest)}` : '-',
    b ? (b.status === 'error' ? 'cannot run' : `${int(b.failures)} at ${formatBytes(b.heap)}`) : '-',
    b && b.status !== 'error' ? formatBytes(b.failedBytes) : '-',
    a.moving ? int(recovered) : '-',
    sparkline(a.points, max),
  ];
}

function traceHeading(t: SqueezeTrace, rep: SqueezeReport): string {
  return `${t.trace}${mixNote(t.mix)}: ${int(t.ops)} ops, peak live ${formatBytes(t.peakLive)}; ${rep.device} heap ${formatBytes(rep.deviceHeap)}; on NULL: ${policyText(rep.policy)}`;
}

export function policyText(p: string): string {
  switch (p) {
    case 'fail': return 'drop the object (fail)';
    case 'compact': return 'compact, retry, else drop (compact)';
    case 'release': return 'release oldest objects and retry (release)';
    case 'abort': return 'stop at the first failure (abort)';
    default: return p;
  }
}

/** The one-screen table per trace. */
export function squeezeTable(rep: SqueezeReport, style: TableStyle): string {
  const out: string[] = [];
  for (const t of rep.traces) {
    out.push(traceHeading(t, rep));
    const max = Math.max(1, ...t.allocators.flatMap((a) => a.points.map((p) => (Number.isFinite(p.failures) ? p.failures : 0))));
    const tab = new Table({
      head: SQUEEZE_HEAD,
      style: plain(style),
      colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    });
    for (const a of t.allocators) tab.push(allocatorRow(a, max));
    out.push(tab.toString());
    out.push(
      `fails below: the verified min heap${rep.minHeapTolerance > 0 ? ` (within ${+(rep.minHeapTolerance * 100).toFixed(2)} %)` : ''}, ` +
        `or where a checked larger size failed (not monotonic); ` +
        `90 % min: a heap of 90 % of it (failed requests, share that were fragmentation: enough free bytes, no block large enough; ` +
        `the first failure's op and free bytes / largest block then); bottom: the smallest heap tried` +
        `${rep.ladder === 'default' ? ' (90 % of peak live)' : ''}; recov.: OOMs compaction recovered (moving allocators); ` +
        `ladder: failures per heap size, largest first (· none, ▁..█ log scale, x cannot run)`,
    );
    out.push('');
  }
  return out.join('\n');
}

export const SQUEEZE_DETAIL_HEAD = [
  'allocator', 'heap', '% min', '% peak', 'fails', 'failed bytes', 'frag', 'exh.', 'recov.', 'released', 'skipped', 'first fail', 'free / largest at 1st',
];

/** Every ladder size of every allocator. */
export function squeezeDetailTable(rep: SqueezeReport, style: TableStyle): string {
  const out: string[] = [];
  for (const t of rep.traces) {
    out.push(traceHeading(t, rep));
    const tab = new Table({ head: SQUEEZE_DETAIL_HEAD, style: plain(style), colAligns: ['left', ...Array(12).fill('right')] });
    for (const a of t.allocators)
      for (const p of a.points) {
        const f = p.firstFailure;
        if (p.status === 'error') {
          tab.push([a.allocator, formatBytes(p.heap), pct0(p.ofMinHeap), pct0(p.ofPeakLive), 'cannot run', '-', '-', '-', '-', '-', '-', '-', (p.error ?? '').slice(0, 40)]);
          continue;
        }
        tab.push([
          a.allocator, formatBytes(p.heap), pct0(p.ofMinHeap), pct0(p.ofPeakLive), int(p.failures), formatBytes(p.failedBytes),
          int(p.fragmentation), int(p.exhaustion), int(p.recovered), int(p.released), int(p.skippedOps),
          f ? `op ${int(f.op)} (${pct1(f.at)})` : '-', f ? `${formatBytes(f.free)} / ${formatBytes(f.largest)}` : '-',
        ]);
      }
    out.push(tab.toString(), '');
  }
  return out.join('\n');
}

export const SQUEEZE_CSV_HEADER = [
  'trace', 'allocator', 'min_heap', 'peak_live', 'heap', 'managed', 'of_min_heap', 'of_peak_live', 'status', 'failures', 'failed_bytes',
  'fragmentation', 'exhaustion', 'recovered', 'released', 'skipped_ops', 'ops_run', 'first_fail_op', 'first_fail_line', 'first_fail_kind',
  'first_fail_size', 'first_fail_at', 'first_fail_free', 'first_fail_largest', 'first_fail_live', 'error',
] as const;

/** One row per trace × allocator × heap size, raw units. */
export function squeezeCsv(rep: SqueezeReport): string {
  let out = csvLine(SQUEEZE_CSV_HEADER);
  for (const t of rep.traces)
    for (const a of t.allocators)
      for (const p of a.points) {
        const f = p.firstFailure;
        out += csvLine([
          t.trace, a.allocator, a.minHeap, t.peakLive, p.heap, p.managed, p.ofMinHeap, p.ofPeakLive, p.status, p.failures, p.failedBytes,
          p.fragmentation, p.exhaustion, p.recovered, p.released, p.skippedOps, p.opsRun, f?.op, f?.line, f?.kind, f?.size, f?.at, f?.free,
          f?.largest, f?.live, p.error,
        ]);
      }
  return out;
}
