/**
 * `rmalloc-sim compare` and the default command (spawned): the table on stdout and nothing on
 * stderr, the compare JSON keys of design §9, identical results with --jobs 1 (this thread) and
 * --jobs 2 (worker threads from the compiled build), CSV header and row count, report files
 * written whole (--json F, --csv F, --svg-dir).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, syntheticTrace, tempDir } from './cli-spawn';
import { COMPARE_CSV_HEADER } from '../src/report/csv';

const dir = tempDir('rmalloc-cli-compare-');
const traces = path.join(dir, 'traces');
fs.mkdirSync(traces);
fs.writeFileSync(path.join(traces, 'alpha.trace'), syntheticTrace(300, 3));
fs.writeFileSync(path.join(traces, 'beta.trace'), syntheticTrace(200, 4));
fs.writeFileSync(path.join(traces, 'ignored.txt'), 'not a trace\n');
const ALLOCS = ['--allocator', 'first-fit', '--allocator', 'buddy'];
const BASE = ['compare', '--device', 'nds', '--trace', traces, ...ALLOCS];

let serial: Record<string, unknown> | undefined;

test('compare --format json --jobs 1: the compare schema, key for key', () => {
  const r = cli([...BASE, '--format', 'json', '--jobs', '1']);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const j = JSON.parse(r.stdout);
  serial = j;
  for (const k of ['schema', 'device', 'goal', 'traces', 'ranking']) assert.ok(k in j, `compare.${k}`);
  assert.is(j.schema, 1);
  assert.is(j.device, 'nds');
  assert.is(j.goal, 'balanced');
  assert.is(j.minHeapTolerance, undefined, 'the compare\'s min heaps are exact (no tolerance)');
  for (const t of j.traces)
    for (const c of t.results)
      if (c.minHeap) {
        assert.is(c.minHeap.verify.atMinHeap.ooms, 0);
        assert.ok(c.minHeap.verify.below.ooms > 0, 'one alignment step below the answer OOMs');
        assert.ok(c.minHeap.checkedSizes > 0, 'the band above the answer was checked');
        assert.ok(c.minHeap.safeFrom >= c.minHeap.minHeap);
      }
  assert.equal(j.traces.map((t: { trace: string }) => t.trace), ['alpha', 'beta']);
  for (const t of j.traces) {
    for (const k of ['trace', 'peakLive', 'results']) assert.ok(k in t, `traces[].${k}`);
    assert.equal(t.results.map((c: { allocator: string }) => c.allocator), ['first-fit', 'buddy']);
    for (const c of t.results) {
      for (const k of ['allocator', 'params', 'heap', 'summary', 'cycles', 'compaction', 'minHeap']) assert.ok(k in c, `results[].${k}`);
      for (const k of ['peakLive', 'maxUsed', 'utilization', 'jw3', 'jw4', 'minEverFree', 'maxExtFrag', 'maxUmmFrag', 'internalAtPeak', 'metadataAtPeak', 'ooms', 'fragmentationOoms'])
        assert.type(c.summary[k], 'number', `summary.${k}`);
      for (const k of ['policy', 'locks', 'peakLive', 'minHeap', 'ratio', 'idealFootprint', 'robsonBound', 'fitsDevice']) assert.ok(k in c.minHeap, `minHeap.${k}`);
      assert.is(c.minHeap.peakLive, t.peakLive);
    }
  }
  assert.is(j.ranking.length, 2);
  for (const e of j.ranking) {
    assert.type(e.allocator, 'string');
    assert.type(e.score, 'number');
    assert.type(e.reason, 'string');
    assert.ok(e.reason.length > 0);
  }
});

test('compare --jobs 2 (worker threads) gives the same report as --jobs 1; --csv on stdout, --json F', () => {
  const jf = path.join(dir, 'compare.json');
  const r = cli([...BASE, '--format', 'csv', '--jobs', '2', '--json', jf]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.ok(serial, 'needs the previous test');
  assert.equal(JSON.parse(fs.readFileSync(jf, 'utf8')), serial);
  const lines = r.stdout.trimEnd().split('\n');
  assert.is(lines[0], COMPARE_CSV_HEADER.join(','));
  assert.is(lines.length - 1, 2 * 2, 'one row per trace × allocator');
  assert.ok(lines.slice(1).every((l) => l.split(',').length >= COMPARE_CSV_HEADER.length));
});

test('default command: one table per trace and the ranking on stdout; --svg-dir and --csv F written; --no-min-heap', () => {
  const svgDir = path.join(dir, 'charts');
  const csv = path.join(dir, 'matrix.csv');
  const r = cli(['--device', 'nds', '--trace', traces, ...ALLOCS, '--goal', 'realtime', '--svg-dir', svgDir, '--csv', csv, '--no-min-heap']);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.not.match(r.stdout, /\x1b\[/, 'no colour codes when piped');
  assert.match(r.stdout, /^alpha: 300 ops, peak live /m);
  assert.match(r.stdout, /^beta: 200 ops, peak live /m);
  assert.is((r.stdout.match(/│ allocator /g) ?? []).length, 2, 'two tables');
  assert.match(r.stdout, /(Recommendation for nds|least bad) \(goal: realtime\)/);
  assert.match(r.stdout, /^ +1\. (first-fit|buddy) +score +[\d,.]+ +no OOM on any trace; worst malloc\/free [\d,]+ cycles, p99 [\d,]+; realloc apart: worst [\d,]+ \(copies\); mean [\d,]+ cycles\/op$/m);
  assert.match(r.stdout, /│ first-fit +│ +0 │ +- │ +- │.*│ fits +│/, 'no min heap values without the search; the device verdict from the run');
  assert.match(r.stdout, /^Use (first-fit|buddy) with the device heap \(2,097,152 bytes\): min heaps not searched/m);
  assert.equal(fs.readdirSync(svgDir).sort(), ['alpha--buddy.svg', 'alpha--first-fit.svg', 'beta--buddy.svg', 'beta--first-fit.svg']);
  for (const f of fs.readdirSync(svgDir)) assert.ok(fs.readFileSync(path.join(svgDir, f), 'utf8').startsWith('<svg '));
  assert.is(fs.readFileSync(csv, 'utf8').trimEnd().split('\n').length, 1 + 4);
});

test.run();
