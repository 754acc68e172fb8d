/**
 * SVG charts (src/report/svg.ts): byte-for-byte golden files, determinism, axis helpers.
 *
 * The goldens in tests/golden/ are rendered from hand-built chart data (not from a replay), so
 * they change only when the chart layout does. After an intended layout change, regenerate:
 *   UPDATE_GOLDEN=1 TS_NODE_TRANSPILE_ONLY=true npx uvu -r ts-node/register tests report-svg
 * and look at the new files (e.g. `rsvg-convert tests/golden/chart-small.svg -o /tmp/x.png`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { byteTicks, chartFromRun, countLabel, niceStep, renderChart, ChartData, ChartPoint, RunLike } from '../src/report/svg';

const GOLDEN = path.join(__dirname, 'golden');

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`missing golden ${file}: run with UPDATE_GOLDEN=1 to create it`);
    fs.writeFileSync(file, actual);
  }
  assert.fixture(actual, fs.readFileSync(file, 'utf8'), name);
}

/** A small chart: 10 points over 1000 ops, two OOMs in one pixel column (one fragmentation), a compaction. */
function smallChart(): ChartData {
  const points: ChartPoint[] = [];
  for (let i = 0; i < 10; i++) {
    const live = 1000 * i;
    points.push({
      op: 100 * i + 99,
      maxLive: live,
      maxUsed: live + 200 + 10 * i,
      minFree: 16384 - (live + 200 + 10 * i),
      minLargest: Math.max(0, 16384 - (live + 200 + 10 * i) - 500 * i),
      cyclesMean: 40 + i,
      cyclesMax: i === 7 ? 25000 : 120 + i,
    });
  }
  return {
    device: 'nds',
    allocator: 'first-fit',
    trace: 'tiny <&> "quoted"',
    heapSize: 16384,
    clockHz: 67027964,
    ops: 1000,
    every: 100,
    points,
    ooms: [
      { op: 950, fragmentation: false },
      { op: 950, fragmentation: true },
      { op: 990, fragmentation: false },
    ],
    compactions: [700],
  };
}

test('golden: small chart with OOMs, a compaction and XML-escaped names', () => {
  golden('chart-small.svg', renderChart(smallChart()));
});

test('golden: an empty trace renders axes and no lines', () => {
  golden('chart-empty.svg', renderChart({ ...smallChart(), trace: 'empty', ops: 0, every: 1, points: [], ooms: [], compactions: [] }));
});

test('rendering is deterministic and finite', () => {
  const a = renderChart(smallChart());
  const b = renderChart(smallChart());
  assert.is(a, b);
  assert.not.match(a, /NaN|Infinity|undefined/);
  assert.ok(a.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(a.trimEnd().endsWith('</svg>'));
  assert.match(a, /tiny &lt;&amp;&gt; &quot;quoted&quot;/);
  // the two OOMs at op 950 share a pixel column: one hollow marker; op 990 is its own filled one
  assert.is((a.match(/<path d="M[^"]*Z" fill="#ffffff" stroke="#d62728"/g) ?? []).length, 2); // one + the legend's
  assert.is((a.match(/<path d="M[^"]*Z" fill="#d62728"\/>/g) ?? []).length, 2); // one + the legend's
});

test('chartFromRun maps series points, OOM events and compactions', () => {
  const run: RunLike = {
    device: 'nds',
    allocator: 'x',
    heap: { size: 4096 },
    trace: { name: 't', ops: 20 },
    cycles: { clockHz: 1e6 },
    oomEvents: [{ op: 12, fragmentation: true }],
    series: {
      every: 10,
      points: [
        { op: 9, maxLive: 1, maxUsed: 2, minFree: 3, minLargest: 4, cyclesMean: 5, cyclesMax: 6, compactions: 0 },
        { op: 19, maxLive: 7, maxUsed: 8, minFree: 9, minLargest: 10, cyclesMean: 11, cyclesMax: 12, compactions: 2 },
      ],
    },
  };
  const c = chartFromRun(run);
  assert.equal(c.points.map((p) => p.maxLive), [1, 7]);
  assert.equal(c.compactions, [19]);
  assert.equal(c.ooms, [{ op: 12, fragmentation: true }]);
  assert.is(c.every, 10);
  assert.is(c.heapSize, 4096);
});

test('axis helpers: nice steps and human labels', () => {
  assert.is(niceStep(100, 5), 20);
  assert.is(niceStep(1000, 8), 200);
  assert.is(niceStep(7, 5), 2);
  const t = byteTicks(2.5 * 1024 * 1024);
  assert.equal(t.labels, ['0', '0.5 MiB', '1.0 MiB', '1.5 MiB', '2.0 MiB', '2.5 MiB']);
  assert.is(t.top, 2.5 * 1024 * 1024);
  assert.equal(byteTicks(300).labels, ['0', '100 B', '200 B', '300 B']);
  assert.is(countLabel(0), '0');
  assert.is(countLabel(250000), '250k');
  assert.is(countLabel(1500000), '1.5M');
  assert.is(countLabel(999), '999');
});

test.run();
