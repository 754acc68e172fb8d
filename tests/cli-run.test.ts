/**
 * `rmalloc-sim run` and `min-heap` (spawned): exit codes, stdout/stderr separation, report files,
 * and the JSON keys of design §9 (`run`, `min-heap`), key for key (extra keys are allowed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, syntheticTrace, tempDir } from './cli-spawn';
import { RUN_CSV_HEADER } from '../src/report/csv';

const dir = tempDir('rmalloc-cli-run-');
const trace = path.join(dir, 'small.trace');
fs.writeFileSync(trace, syntheticTrace(400, 7));
const RUN = ['run', '--device', 'nds', '--allocator', 'first-fit', '--trace', trace];

/** Asserts `obj` has every key of `shape` (recursively for nested shapes) with the given type. */
function hasKeys(obj: unknown, shape: Record<string, unknown>, where: string): void {
  assert.type(obj, 'object', where);
  const o = obj as Record<string, unknown>;
  for (const [k, t] of Object.entries(shape)) {
    assert.ok(k in o, `${where}.${k} missing`);
    if (typeof t === 'string') assert.type(o[k], t as 'number', `${where}.${k}`);
    else if (Array.isArray(t)) {
      assert.ok(Array.isArray(o[k]), `${where}.${k} is not an array`);
      for (const [i, x] of (o[k] as unknown[]).slice(0, 3).entries()) hasKeys(x, t[0] as Record<string, unknown>, `${where}.${k}[${i}]`);
    } else hasKeys(o[k], t as Record<string, unknown>, `${where}.${k}`);
  }
}

const kindStats = { count: 'number', total: 'number', mean: 'number', p50: 'number', p99: 'number', max: 'number' };
const RUN_SHAPE = {
  schema: 'number', device: 'string', allocator: 'string', params: 'object', heap: { base: 'number', size: 'number' },
  trace: { name: 'string', ops: 'number', allocs: 'number', frees: 'number', reallocs: 'number', locks: 'number', skipped: 'number' },
  summary: {
    peakLive: 'number', maxUsed: 'number', utilization: 'number', jw3: 'number', jw4: 'number', minEverFree: 'number',
    maxExtFrag: 'number', maxUmmFrag: 'number', internalAtPeak: 'number', metadataAtPeak: 'number', ooms: 'number',
    fragmentationOoms: 'number',
  },
  oomEvents: [{ op: 'number', kind: 'string', id: 'number', size: 'number', free: 'number', largest: 'number', live: 'number', outcome: 'string' }],
  cycles: {
    clockHz: 'number', total: 'number',
    byKind: { alloc: kindStats, free: kindStats, realloc: kindStats, lock: kindStats, unlock: kindStats, compact: kindStats },
  },
  compaction: { runs: 'number', bytesMoved: 'number', cycles: 'number', longestPause: 'number' },
};
const MIN_HEAP_SHAPE = {
  schema: 'number', device: 'string', allocator: 'string', trace: 'string', policy: 'string', locks: 'string',
  peakLive: 'number', minHeap: 'number', ratio: 'number', idealFootprint: 'number', robsonBound: 'number',
};

test('run: summary on stdout, nothing on stderr, exit 0', () => {
  const r = cli(RUN);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.match(r.stdout, /^first-fit on nds, trace small: ok\n/);
  assert.match(r.stdout, /peak live/);
  assert.not.match(r.stdout, /\x1b\[/, 'no escape codes when piped');
});

test('run --json (stdout) follows the run schema; --csv F and --svg F are written whole', () => {
  const csv = path.join(dir, 'run.csv');
  const svg = path.join(dir, 'run.svg');
  const r = cli([...RUN, '--heap', '16KiB', '--json', '--csv', csv, '--svg', svg]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const j = JSON.parse(r.stdout);
  hasKeys(j, RUN_SHAPE, 'run');
  assert.is(j.schema, 1);
  assert.is(j.heap.size, 16384);
  assert.ok(j.summary.ooms > 0, 'a 16 KiB heap is too small for this trace: OOM events expected');
  assert.ok(j.oomEvents.length > 0);
  assert.not.ok('wallMs' in j, 'no wall time: the JSON is deterministic');
  const lines = fs.readFileSync(csv, 'utf8').trimEnd().split('\n');
  assert.is(lines[0], RUN_CSV_HEADER.join(','));
  assert.is(lines.length - 1, j.series.points.length);
  const s = fs.readFileSync(svg, 'utf8');
  assert.ok(s.startsWith('<svg ') && s.trimEnd().endsWith('</svg>'));
  assert.match(s, /nds · first-fit · small/);
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('run --fail-on-oom: exit 1, summary still on stdout, one stderr line', () => {
  const r = cli([...RUN, '--heap', '16KiB', '--fail-on-oom']);
  assert.is(r.code, 1);
  assert.match(r.stdout, /OOMs/);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.is(lines.length, 1);
  assert.match(lines[0]!, /^rmalloc-sim: \d+ allocation\(s\) failed; first at op \d+ \(line \d+\) \(OOM\)$/);
});

test('run --oom compact on rmalloc: recovered OOMs are not subtracted from failed ones; --fail-on-oom counts failed only', () => {
  const r = cli(['run', '--device', 'nds', '--allocator', 'rmalloc', '--trace', trace, '--heap', '8KiB', '--oom', 'compact', '--json']);
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(j.summary.recoveredOoms > 0, 'the case must recover some OOMs');
  assert.ok(j.summary.ooms > 0, 'and fail some');
  const events = j.oomEvents as { outcome: string }[];
  if (events.length < 10_000) assert.is(events.filter((e) => e.outcome === 'failed').length, j.summary.ooms);
  const f = cli(['run', '--device', 'nds', '--allocator', 'rmalloc', '--trace', trace, '--heap', '8KiB', '--oom', 'compact', '--fail-on-oom']);
  assert.is(f.code, 1);
  assert.match(f.stderr, new RegExp(`^rmalloc-sim: ${j.summary.ooms} allocation\\(s\\) failed`));
  assert.match(f.stdout, new RegExp(`OOMs +${j.summary.ooms} `));
});

test('run --compact-every / --compact-above / --compact-budget reach the engine; bad values exit 2', () => {
  const base = ['run', '--device', 'nds', '--allocator', 'rmalloc', '--trace', trace, '--json'];
  const none = JSON.parse(cli(base).stdout);
  assert.is(none.compaction.runs, 0);
  const every = JSON.parse(cli([...base, '--compact-every', '50']).stdout);
  assert.ok(every.compaction.runs > 0, 'compaction runs with --compact-every');
  assert.ok(every.compaction.runs <= Math.ceil(every.trace.ops / 50) + 1);
  const above = JSON.parse(cli([...base, '--compact-above', '0']).stdout);
  assert.ok(above.compaction.runs > 0, 'compaction runs with --compact-above 0');
  const budget = JSON.parse(cli([...base, '--compact-every', '50', '--compact-budget', '100']).stdout);
  assert.ok(budget.compaction.longestPause <= every.compaction.longestPause);
  for (const bad of [['--compact-every', '0'], ['--compact-above', '2'], ['--compact-budget', 'x']]) {
    const b = cli([...base, ...bad]);
    assert.is(b.code, 2);
    assert.match(b.stderr, new RegExp(`^rmalloc-sim: ${bad[0]}`));
  }
  assert.is(cli([...base, '--locks', 'access']).code, 0);
  assert.match(cli(['run', '--help']).stdout, /none \| access \| pinned/);
});

test('min-heap is exact by default; --tolerance 0.5 gives a verified clean answer within 0.5 % above it', () => {
  const mh = ['min-heap', '--device', 'nds', '--allocator', 'first-fit', '--trace', trace, '--json'];
  const exact = JSON.parse(cli(mh).stdout);
  assert.not.ok('tolerance' in exact);
  const tol = JSON.parse(cli([...mh, '--tolerance', '0.5']).stdout);
  assert.is(tol.tolerance, 0.005);
  assert.is(tol.verify.atMinHeap.ooms, 0);
  assert.ok(tol.minHeap >= exact.minHeap && tol.minHeap <= exact.minHeap * 1.005 + exact.alignment, `${tol.minHeap} vs ${exact.minHeap}`);
  assert.is(cli([...mh, '--tolerance', '-1']).code, 2);
});

test('min-heap --json follows the min-heap schema; text mode names the answer', () => {
  const r = cli(['min-heap', '--device', 'nds', '--allocator', 'first-fit', '--trace', trace, '--json']);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const j = JSON.parse(r.stdout);
  hasKeys(j, MIN_HEAP_SHAPE, 'min-heap');
  assert.is(j.schema, 1);
  assert.ok(j.minHeap >= j.peakLive);
  const t = cli(['min-heap', '--allocator', 'first-fit', '--trace', trace, '--jobs', '1']);
  assert.is(t.code, 0);
  assert.is(t.stderr, '');
  assert.match(t.stdout, new RegExp(`min heap .*\\(${j.minHeap.toLocaleString('en-US')} bytes\\)`));
});

test.run();
