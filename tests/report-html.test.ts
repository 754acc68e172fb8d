/**
 * The HTML report (src/report/html.ts, src/cli/report.ts) without a browser: self-contained
 * (no external reference of any kind), deterministic, one table row / chart / OOM entry /
 * scrubber entry per allocator, frames that decode to the replay's own walk() at their op,
 * the frame byte budget, the chart thinning, the embedded renderer being the module's, and the
 * command's exit codes and whole-or-nothing file. tests/browser.test.ts drives the page itself.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import { fragTrace } from './helpers/frag';
import * as assert from 'uvu/assert';
import { buildHtmlReport, reportCommand } from '../src/cli/report';
import type { ReportOptions } from '../src/cli/report';
import { loadDevice } from '../src/device';
import { collectFrames, decodeFrame, inflateFrames } from '../src/report/frames';
import { hmRenderBlocks, snapshotHeap } from '../src/report/heapmap';
import type { MapBlock } from '../src/report/heapmap';
import { CHART_POINTS, PAGE_MAP, thinRun } from '../src/report/html';
import { replay } from '../src/sim';
import type { RunResult } from '../src/sim';
import { traceFromText } from '../src/trace';

const ROOT = path.resolve(__dirname, '..');
const HEAP = 4608;


let dir = '';
let traceFile = '';
let html = '';
const OPTS = (): ReportOptions => ({
  device: 'nds', allocators: ['first-fit', 'rmalloc'], traces: [traceFile], heapSize: HEAP, locks: 'none',
  params: {}, seed: 1, check: false, goal: 'balanced', jobs: 1, frameBudget: 1 << 20, maxFrames: 40,
});

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rms-html-'));
  traceFile = path.join(dir, 'frag.trace');
  fs.writeFileSync(traceFile, fragTrace());
  html = await buildHtmlReport(OPTS());
});
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('self-contained: no URL, link, import, external script, image or font; a CSP that forbids fetching', () => {
  assert.match(html, /^<!DOCTYPE html>/);
  assert.not.match(html, /(?<![\w-])(?:src|href)\s*=/i);
  assert.not.match(html, /<link\b/i);
  assert.not.match(html, /@import|@font-face/i);
  assert.not.match(html, /url\((?!#hm-hatch\))/);
  assert.not.match(html, /\bfetch\(|XMLHttpRequest|import\(/);
  // the only "http" is the SVG namespace name (never fetched)
  const urls = new Set(html.match(/https?:\/\/[^\s"'<>)]+/g) ?? []);
  assert.equal([...urls], ['http://www.w3.org/2000/svg']);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test('deterministic: the same input gives the same bytes', async () => {
  assert.is(await buildHtmlReport(OPTS()), html);
});

test('one row, chart, OOM entry and scrubber entry per allocator; policies; human units', () => {
  for (const a of ['first-fit', 'rmalloc']) {
    assert.is((html.match(new RegExp(`<tr data-alloc="${a}">`, 'g')) ?? []).length, 1, a);
    assert.is((html.match(new RegExp(`<details class="chart" data-alloc="${a}"`, 'g')) ?? []).length, 1, a);
    assert.match(html, new RegExp(`<option value="${a}" data-alloc="${a}"`));
    assert.match(html, new RegExp(`<input type="checkbox" value="${a}" checked>`));
  }
  // rmalloc compacts on OOM in the report; first-fit keeps --oom (fail)
  assert.match(html, /rmalloc <span class="muted">\(oom compact\)<\/span>/);
  assert.match(html, /rmalloc: 0 failed, \d+ recovered by compaction/);
  assert.match(html, /<td>4\.50 KiB<\/td>|KiB<\/td>/);
  assert.match(html, /µs per 1000 cycles/);
});

test('frames: ops every k plus the last, and each decodes to the replay\'s walk() at that op', () => {
  const m = /<script type="application\/json" id="hmdata-0">(.*?)<\/script>/s.exec(html);
  assert.ok(m);
  type A = { ops: number; every: number; heaps: { name: string; base: number; size: number }[]; z: string; compactionCount: number;
    frames: { op: number; at: [number, number] }[]; compactions: { op: number; before: [number, number]; after: [number, number] }[] };
  const data = JSON.parse(m![1]!) as { allocs: Record<string, A> };
  const t = traceFromText(fragTrace(), 'frag');
  for (const [alloc, oom] of [['first-fit', 'fail'], ['rmalloc', 'compact']] as const) {
    const a = data.allocs[alloc]!;
    assert.is(a.ops, t.ops.n);
    const ops = a.frames.map((f) => f.op);
    assert.is(ops[ops.length - 1], t.ops.n - 1);
    for (const op of ops.slice(0, -1)) assert.is(op % a.every, 0);
    assert.ok(a.frames.length <= 40);
    const buf = inflateFrames(a);
    const dec = (at: [number, number]): MapBlock[] => decodeFrame(buf, a.heaps, at[0], at[1]);
    const want = new Map(a.frames.map((f) => [f.op, f.at]));
    let checked = 0;
    const compactions: [number, MapBlock[], MapBlock[]][] = [];
    let before: MapBlock[] = [];
    replay(t, { device: loadDevice('nds'), allocator: alloc, oom, heapSize: HEAP }, {
      afterOp(i, v) {
        const at = want.get(i);
        if (at === undefined) return;
        assert.equal(dec(at), snapshotHeap(v, i).blocks, `${alloc} op ${i}`);
        checked++;
      },
      beforeCompact: (i, v) => void (before = snapshotHeap(v, i).blocks),
      afterCompact: (i, v) => void compactions.push([i, before, snapshotHeap(v, i).blocks]),
    });
    assert.is(checked, a.frames.length);
    assert.is(a.compactionCount, compactions.length);
    if (alloc === 'rmalloc') assert.ok(compactions.length > 0);
    a.compactions.forEach((c, j) => {
      assert.equal([c.op, dec(c.before), dec(c.after)], compactions[j]);
    });
  }
});

test('frame budget: frames thinned (k doubled, last op kept) until they fit', () => {
  const t = traceFromText(fragTrace(4), 'frag4');
  const run = (obs: Parameters<typeof replay>[2]): void => void replay(t, { device: loadDevice('nds'), allocator: 'first-fit', oom: 'fail', heapSize: HEAP }, obs);
  const big = collectFrames(t, { bytes: 1 << 30, maxFrames: 200, maxCompactions: 10 }, run, 'first-fit');
  const budget = Math.floor(Buffer.from(big.z, 'base64').length / 3);
  const small = collectFrames(t, { bytes: budget, maxFrames: 200, maxCompactions: 10 }, run, 'first-fit');
  const z = Buffer.from(small.z, 'base64').length;
  assert.ok(z <= budget, `${z} > ${budget}`);
  assert.ok(Buffer.from(big.z, 'base64').length > budget, 'the budget must bite');
  assert.ok(small.every > big.every && small.every % big.every === 0);
  assert.is(small.frames[small.frames.length - 1]!.op, t.ops.n - 1);
  // the kept frames are the big run's frames at multiples of the new k, byte for byte
  const bigBuf = inflateFrames(big);
  const smallBuf = inflateFrames(small);
  const byOp = new Map(big.frames.map((f) => [f.op, Buffer.from(bigBuf.subarray(f.at[0], f.at[1])).toString('hex')]));
  for (const f of small.frames) assert.is(Buffer.from(smallBuf.subarray(f.at[0], f.at[1])).toString('hex'), byOp.get(f.op));
});

test('charts: the series merged to at most CHART_POINTS columns, envelopes kept', () => {
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(`a ${i} ${16 + (i % 50)}`, `f ${i}`);
  const t = traceFromText(lines.join('\n') + '\n', 'churn');
  const r = replay(t, { device: loadDevice('nds'), allocator: 'first-fit', oom: 'fail', sample: 2 });
  const pts = r.series!.points;
  assert.ok(pts.length > CHART_POINTS);
  const th = thinRun(r as RunResult).series!;
  assert.ok(th.points.length <= CHART_POINTS);
  assert.is(th.points[th.points.length - 1]!.op, pts[pts.length - 1]!.op);
  assert.is(Math.max(...th.points.map((p) => p.maxUsed)), Math.max(...pts.map((p) => p.maxUsed)));
  assert.is(Math.min(...th.points.map((p) => p.minFree)), Math.min(...pts.map((p) => p.minFree)));
  assert.is(Math.max(...th.points.map((p) => p.cyclesMax)), Math.max(...pts.map((p) => p.cyclesMax)));
});

test('the page embeds the module\'s renderer and decoder, and they work outside the module', () => {
  assert.ok(html.includes(hmRenderBlocks.toString()));
  assert.ok(html.includes(decodeFrame.toString()));
  assert.match(html, new RegExp(`var G=${JSON.stringify(PAGE_MAP).replace(/[{}.]/g, '\\$&')};`));
  // eval the embedded source on its own: same output as the module function
  const m = /<script type="application\/json" id="hmdata-0">(.*?)<\/script>/s.exec(html)!;
  const a = (JSON.parse(m[1]!) as { allocs: Record<string, { heaps: { name: string; base: number; size: number }[]; z: string; frames: { at: [number, number] }[] }> }).allocs['first-fit']!;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fns = new Function(`${hmRenderBlocks.toString()}\n${decodeFrame.toString()}\nreturn [hmRenderBlocks, decodeFrame];`)() as [typeof hmRenderBlocks, typeof decodeFrame];
  const buf = inflateFrames(a);
  const at = a.frames.reduce((x, f) => (f.at[1] - f.at[0] > x[1] - x[0] ? f.at : x), a.frames[0]!.at); // the busiest frame
  const blocks = decodeFrame(buf, a.heaps, at[0], at[1]);
  assert.ok(blocks.length > 3);
  assert.equal(fns[1](buf, a.heaps, at[0], at[1]), blocks);
  assert.equal(fns[0](a.heaps, blocks, PAGE_MAP), hmRenderBlocks(a.heaps, blocks, PAGE_MAP));
});

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register', path.join(ROOT, 'src', 'cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('report command: writes the file whole (no temp left), says its size; bad output folder exits 2 with one line', async () => {
  const out = path.join(dir, 'r.html');
  const a = cli(['report', '-d', 'nds', '-t', traceFile, '-a', 'first-fit', '--heap', String(HEAP), '-j', '1', '-o', out]);
  assert.is(a.code, 0, a.stderr);
  assert.match(a.stdout, /r\.html: \d+\.\d\d MiB\n$/);
  assert.match(fs.readFileSync(out, 'utf8'), /<\/html>\n$/);
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  // a missing output folder: one line, exit 2, before any work (in-process through the handler)
  const bad = path.join(dir, 'missing', 'r.html');
  const werr = process.stderr.write;
  let err = '';
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    await (reportCommand.handler as unknown as (a: object) => Promise<void>)({ device: 'nds', trace: [traceFile], allocator: ['first-fit'], output: bad, jobs: 1 });
  } finally {
    process.stderr.write = werr;
  }
  assert.is(process.exitCode, 2);
  process.exitCode = 0;
  assert.is(err.trim().split('\n').length, 1, err);
  assert.match(err, /cannot write .*r\.html: folder .* does not exist \(IO\)/);
  assert.not.ok(fs.existsSync(bad));
});

test.run();
