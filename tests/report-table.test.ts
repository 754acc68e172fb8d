/**
 * Table and CSV reports (src/report/table.ts, csv.ts) on a hand-built compare report: no
 * colour codes when not on a terminal, the "does not fit" / "not found" / error marks, CSV
 * quoting, header and one row per trace × allocator, and the ranking lines.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildCompareReport, compareCsv, compareTable, csvField, COMPARE_CSV_HEADER, CompareCell } from '../src/report';

const HEAP = 2 * 1024 * 1024;
const stats = (mean: number, p99: number, max: number) => ({ count: 10, total: 10 * mean, mean, p50: mean, p99, max, meanUs: mean / 67, p50Us: 0, p99Us: 0, maxUs: 0, exact: true });

function cell(allocator: string, minHeap: number | null, ooms = 0, extra: Partial<CompareCell> = {}): CompareCell {
  const summary = {
    peakLive: 100_000, maxUsed: 120_000, utilization: 100 / 120, jw3: 0.1, jw4: 0.2, minEverFree: 5, maxExtFrag: 0.25, maxUmmFrag: 10,
    internalAtPeak: 1, metadataAtPeak: 2, ooms, fragmentationOoms: 0, recoveredOoms: 0,
  };
  return {
    allocator,
    params: {},
    heap: { base: 0x2180000, size: HEAP },
    status: 'ok',
    summary: summary as unknown as CompareCell['summary'],
    cycles: { clockHz: 67e6, total: 1000, byKind: {} as never, ops: stats(120.5, 300, 4000) } as unknown as CompareCell['cycles'],
    compaction: { runs: 0, bytesMoved: 0, cycles: 0, longestPause: 0 },
    minHeap:
      minHeap === null
        ? null
        : ({ minHeap, ratio: minHeap / 100_000, fitsDevice: minHeap <= HEAP, peakLive: 100_000 } as unknown as CompareCell['minHeap']),
    ...extra,
  };
}

function report() {
  return buildCompareReport('nds', 'balanced', { base: 0x2180000, size: HEAP }, 67e6, [
    {
      trace: 'one, "quoted"',
      ops: 1234,
      peakLive: 100_000,
      results: [
        cell('small', 110_000),
        cell('huge', 3 * 1024 * 1024, 5),
        cell('limited', null, 2, { minHeapError: 'runs out of memory even with a 268435456-byte heap' }),
        { allocator: 'broken', params: {}, heap: { base: 0, size: HEAP }, status: 'error', minHeap: null, error: 'cannot run: heap too large (HEAP_TOO_LARGE)' },
      ],
    },
  ]);
}

test('table: plain text, one row per allocator with the marks, then the ranking', () => {
  const t = compareTable(report(), { color: false });
  assert.not.match(t, /\x1b\[/);
  assert.match(t, /^one, "quoted": 1,234 ops, peak live 97\.7 KiB; nds heap 2\.00 MiB$/m);
  const row = (name: string) => t.split('\n').find((l) => l.includes(` ${name} `)) ?? '';
  assert.match(row('small'), /107\.4 KiB .* 1\.10 .* fits/);
  assert.match(row('huge'), /│ +5 │ +3\.00 MiB .* does not fit/);
  assert.match(row('limited'), /not found .* does not fit/);
  assert.match(row('broken'), /error/);
  assert.match(t, /^Recommendation for nds \(goal: balanced\): small$/m);
  assert.match(t, /^ +1\. small +score .*fits every trace with 95 % headroom/m);
  assert.match(t, /^ +4\. broken +score +- +failed on one, "quoted": cannot run/m);
});

test('CSV: RFC 4180 quoting, header, one row per trace × allocator', () => {
  assert.is(csvField('a,b'), '"a,b"');
  assert.is(csvField('say "hi"'), '"say ""hi"""');
  assert.is(csvField(0.1 + 0.2), '0.3');
  assert.is(csvField(Infinity), '');
  assert.is(csvField(undefined), '');
  const lines = compareCsv(report()).trimEnd().split('\n');
  assert.is(lines[0], COMPARE_CSV_HEADER.join(','));
  assert.is(lines.length, 1 + 4);
  assert.ok(lines[1]!.startsWith('"one, ""quoted""",small,ok,2097152,100000,0,'));
  assert.match(lines[4]!, /,broken,error,/);
});


test('table and CSV: recovered OOMs are shown beside the failed ones, never subtracted from them', () => {
  const withRec = (name: string, ooms: number, rec: number) => {
    const c = cell(name, 110_000, ooms);
    (c.summary as unknown as { recoveredOoms: number }).recoveredOoms = rec;
    return c;
  };
  const r = buildCompareReport('nds', 'balanced', { base: 0x2180000, size: HEAP }, 67e6, [
    { trace: 'rec', ops: 10, peakLive: 100_000, results: [withRec('onlyrec', 0, 3), withRec('both', 2, 5)] },
  ]);
  const t = compareTable(r, { color: false });
  const row = (name: string) => t.split('\n').find((l) => l.includes(` ${name} `)) ?? '';
  assert.match(row('onlyrec'), /│ +0 \(\+3 rec\.\) │/);
  assert.match(row('both'), /│ +2 \(\+5 rec\.\) │/);
  assert.not.match(t, /-\d+ \(\+\d+ rec\.\)/);
  const csv = compareCsv(r).split('\n');
  const col = csv[0]!.split(',').indexOf('failed_ooms');
  const both = csv.find((l) => l.includes(',both,'))!.split(',');
  assert.is(both[col], '2');
  assert.is(both[col + 1], '5');
});

test.run();
