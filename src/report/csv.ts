/**
 * CSV reports (RFC 4180: comma-separated, fields with commas, quotes or newlines quoted, CRLF-free
 * "\n" line ends, one header line).
 * - compare: one row per trace × allocator with the table's numbers in raw units (bytes, cycles).
 * - run: the time series, one row per series point (a bucket of `every` ops).
 */
import type { RunResult } from '../sim';
import { failedOoms } from './advice';
import type { CompareReport } from './json';

export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number.isInteger(v) ? v : +v.toPrecision(10)) : '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (fields: readonly unknown[]): string => fields.map(csvField).join(',') + '\n';

export const COMPARE_CSV_HEADER = [
  'trace', 'allocator', 'status', 'heap', 'peak_live', 'failed_ooms', 'recovered_ooms', 'fragmentation_ooms',
  'min_heap', 'min_heap_ratio', 'fits_device', 'ideal_footprint', 'robson_bound', 'max_used', 'utilization', 'jw3', 'jw4',
  'max_ext_frag', 'max_umm_frag', 'min_ever_free', 'cycles_mean', 'cycles_p99', 'cycles_max', 'us_per_op',
  'compaction_runs', 'compaction_cycles', 'error', 'min_heap_error',
  // tight memory (src/study/tight.ts): where failures start, and the replay at 90 % of the min heap
  'starts_failing_below', 'tight_probe', 'tight_failures', 'tight_failed_bytes', 'tight_fragmentation', 'tight_first_failure_at',
] as const;

export function compareCsv(rep: CompareReport): string {
  let out = csvLine(COMPARE_CSV_HEADER);
  for (const t of rep.traces) {
    for (const c of t.results) {
      const s = c.summary;
      const m = c.minHeap;
      const ops = c.cycles?.ops;
      out += csvLine([
        t.trace, c.allocator, c.status, c.heap.size, t.peakLive,
        s ? failedOoms(c) : undefined, s?.recoveredOoms, s?.fragmentationOoms,
        m?.minHeap, m?.ratio, m ? m.fitsDevice : undefined, m?.idealFootprint, m?.robsonBound,
        s?.maxUsed, s?.utilization, s?.jw3, s?.jw4, s?.maxExtFrag, s?.maxUmmFrag, s?.minEverFree,
        ops?.mean, ops?.p99, ops?.max, ops?.meanUs,
        c.compaction?.runs, c.compaction?.cycles, c.error, c.minHeapError,
        c.tight?.startsFailingBelow, c.tight?.probe, c.tight?.failures, c.tight?.failedBytes, c.tight?.fragmentation, c.tight?.firstFailureAt,
      ]);
    }
  }
  return out;
}

export const RUN_CSV_HEADER = [
  'op', 'live', 'used', 'free', 'largest', 'internal', 'metadata', 'ext_frag', 'umm_frag', 'typ_frag',
  'max_live', 'max_used', 'min_free', 'min_largest', 'max_ext_frag', 'cycles_mean', 'cycles_max', 'ooms', 'compactions',
] as const;

/** The run's series; empty (header only) when the run had no series. */
export function runCsv(r: RunResult): string {
  let out = csvLine(RUN_CSV_HEADER);
  for (const p of r.series?.points ?? [])
    out += csvLine([
      p.op, p.live, p.used, p.free, p.largest, p.internal, p.metadata, p.extFrag, p.ummFrag, p.typFrag,
      p.maxLive, p.maxUsed, p.minFree, p.minLargest, p.maxExtFrag, p.cyclesMean, p.cyclesMax, p.ooms, p.compactions,
    ]);
  return out;
}
