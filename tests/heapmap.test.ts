/**
 * Heap maps (src/report/heapmap.ts), frames and their encoding (src/report/frames.ts) and the
 * `heapmap` command.
 *
 * The goldens are rendered from hand-built snapshots (not from a replay), so they change only
 * when the picture does, not when an allocator's placement policy changes. FIRST_FIT_LAYOUT is
 * the hand-worked layout of the hand-made trace SMALL on first-fit (4-byte header, blocks
 * rounded to 8, carved from the top of the lowest-addressed free block, sentinels) in a 4 KiB
 * nds heap; live replays are checked against their own walk() instead.
 * Goldens: regenerate after an intended layout change with
 *   UPDATE_GOLDEN=1 TS_NODE_TRANSPILE_ONLY=true npx uvu -r ts-node/register tests "heapmap\\.test"
 * and look at them (e.g. `rsvg-convert tests/golden/heapmap-first-fit.svg -o /tmp/x.png`).
 */
import { cli as spawnCli } from './cli-spawn';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { replay } from '../src/sim';
import { traceFromText } from '../src/trace';
import {
  HM_FREE, HM_GAP, HM_LOCKED, HM_MAP, HM_META, HM_USED, hmRenderBlocks, renderHeapMap, snapshotHeap,
} from '../src/report/heapmap';
import type { HeapSnapshot, MapBlock, MapGeometry } from '../src/report/heapmap';
import { decodeFrame, encodeFrame, FrameSampler, renderAnimatedSvg, takeSnapshot } from '../src/report/frames';
import { deviceRegions, heapmapCommand } from '../src/cli/heapmap';

const GOLDEN = path.join(__dirname, 'golden');
const ROOT = path.resolve(__dirname, '..');

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(file, actual);
  if (!fs.existsSync(file)) throw new Error(`missing golden ${file}: run with UPDATE_GOLDEN=1 to create it`);
  assert.fixture(actual, fs.readFileSync(file, 'utf8'), name);
}

const SMALL = '# hand-made\na 1 100\na 2 30\na 3 5\nf 2\nl 3\na 4 2000\na 5 16\na 6 24\nf 4\n';
const BASE = 0x02180000;

/** [offset, size, kind, lead, usable, requested, id] after the last op of SMALL on first-fit. */
const FIRST_FIT_LAYOUT: [number, number, number, number, number, number, number][] = [
  [0, 4, HM_META, 0, 0, 0, -1], // heap start sentinel
  [4, 1864, HM_FREE, 0, 0, 0, -1],
  [1868, 32, HM_USED, 4, 28, 24, 6], // a 6 24: 28 -> 32, carved from the top of [4, 1900)
  [1900, 24, HM_USED, 4, 20, 16, 5], // a 5 16: 20 -> 24, from the top of [4, 1924)
  [1924, 2008, HM_FREE, 0, 0, 0, -1], // id 4 (2004 -> 2008) freed
  [3932, 16, HM_LOCKED, 4, 12, 5, 3], // a 3 5: 9 -> 16, locked by `l 3`
  [3948, 40, HM_FREE, 0, 0, 0, -1], // id 2 (34 -> 40) freed, between two used blocks
  [3988, 104, HM_USED, 4, 100, 100, 1], // a 1 100: 104, the top of the heap
  [4092, 4, HM_META, 0, 0, 0, -1], // end sentinel
];

function snapshotAt(text: string, allocator: string, at: number, device = 'nds', heapSize: number | undefined = 4096): HeapSnapshot {
  const t = traceFromText(text, 'small');
  let snap: HeapSnapshot | null = null;
  const cfg = { device: loadDevice(device), allocator, oom: 'fail' as const, ...(heapSize ? { heapSize } : {}) };
  replay(t, cfg, { afterOp: (i, v) => void (i === at && (snap = snapshotHeap(v, i))) });
  if (!snap) throw new Error('op not reached');
  return snap;
}

const INFO = { device: 'nds', allocator: 'first-fit', trace: 'small', regions: deviceRegions(loadDevice('nds')), caption: 'after op 8 of 9' };

/** A snapshot built by hand from [offset, size, kind, lead, usable, requested, id] rows. */
function handSnapshot(heaps: { name: string; base: number; size: number }[], rows: [number, number, number, number, number, number, number][][], op = 8): HeapSnapshot {
  const blocks: MapBlock[] = [];
  rows.forEach((rs, h) => {
    for (const [off, size, kind, lead, usable, requested, id] of rs) blocks.push({ heap: h, addr: heaps[h]!.base + off, size, kind, lead, usable, requested, id });
  });
  return { op, heaps, blocks };
}

const HAND = handSnapshot([{ name: 'userland', base: BASE, size: 4096 }], [FIRST_FIT_LAYOUT]);

test('first-fit replay: the snapshot is the walk() listing with the engine\'s ids, requests and locks', () => {
  const t = traceFromText(SMALL, 'small');
  let checked = false;
  replay(t, { device: loadDevice('nds'), allocator: 'first-fit', oom: 'fail', heapSize: 4096 }, {
    afterOp(i, v) {
      if (i !== 8) return;
      const s = snapshotHeap(v, i);
      const w: MapBlock[] = [];
      v.allocator.walk((b) => {
        const used = b.state === 'used';
        const locked = used && v.lockCountOf(b.handle) > 0;
        w.push({
          heap: 0, addr: b.addr, size: b.size, kind: used ? (locked ? HM_LOCKED : HM_USED) : b.state === 'free' ? HM_FREE : HM_META,
          lead: used ? b.payload - b.addr : 0, usable: used ? b.usable : 0, requested: used ? v.requestedOf(b.handle) : 0, id: used ? v.idOf(b.handle) : -1,
        });
      });
      assert.equal(s.blocks, w);
      // ids 1, 3 (locked), 5 and 6 are live with their requested sizes
      assert.equal(s.blocks.filter((b) => b.kind >= HM_USED && b.kind <= HM_LOCKED).map((b) => [b.id, b.requested, b.kind]).sort((x, y) => x[0]! - y[0]!), [
        [1, 100, HM_USED], [3, 5, HM_LOCKED], [5, 16, HM_USED], [6, 24, HM_USED],
      ]);
      assert.is(s.blocks.reduce((a, b) => a + b.size, 0), 4096);
      checked = true;
    },
  });
  assert.ok(checked);
});

test('first-fit replay: every block\'s rectangles sit where its offset and size put them (128 B per row)', () => {
  const s = snapshotAt(SMALL, 'first-fit', 8);
  const svg = renderHeapMap(s, INFO);
  const g = groups(svg);
  assert.is(g.length, s.blocks.length);
  assert.match(svg, /one row = 128 B/);
  const px = HM_MAP.width / 128;
  s.blocks.forEach((b, k) => {
    // the block's pieces, in order, tile [offset, offset + size) row by row
    const off = b.addr - BASE;
    const rects = g[k]!.paths.filter((p) => !p.fill.startsWith('url')).flatMap((p) => p.rects);
    let total = 0;
    for (const [x, y, w] of rects) {
      const row = Math.round((y - HM_MAP.y0) / HM_MAP.rowPitch) - 1;
      const start = row * 128 + (x - HM_MAP.x0) / px;
      assert.ok(start >= off - 0.01 && start + w / px <= off + b.size + 0.01, `block ${k} piece outside [${off}, ${off + b.size})`);
      total += w / px;
    }
    assert.ok(Math.abs(total - b.size) < 0.05, `block ${k}: ${total} bytes drawn, ${b.size} expected`);
    assert.match(g[k]!.title, new RegExp(`^0x${b.addr.toString(16).padStart(8, '0')} · `));
  });
});

/** The rectangles of one `<g class="blk">`: [x, y, w] of each subpath of each path. */
function groups(svg: string): { title: string; paths: { fill: string; rects: [number, number, number][] }[] }[] {
  const out: { title: string; paths: { fill: string; rects: [number, number, number][] }[] }[] = [];
  for (const m of svg.matchAll(/<g class="blk" data-k="\d"><title>([^<]*)<\/title>(.*?)<\/g>/g)) {
    const paths = [...m[2]!.matchAll(/<path d="([^"]*)" fill="([^"]*)"/g)].map((p) => ({
      fill: p[2]!,
      rects: [...p[1]!.matchAll(/M([\d.]+),([\d.]+)h([\d.-]+)/g)].map((r) => [Number(r[1]), Number(r[2]), Number(r[3])] as [number, number, number]),
    }));
    out.push({ title: m[1]!, paths });
  }
  return out;
}

test('hand-worked first-fit layout: one group per block with the expected rectangles, golden', () => {
  const s = HAND;
  const svg = renderHeapMap(s, INFO);
  golden('heapmap-first-fit.svg', svg);
  const g = groups(svg);
  assert.is(g.length, FIRST_FIT_LAYOUT.length);
  // Scale: 4 KiB in 33 row slots (34 minus the heap title) -> 128 bytes per row (64 needs 64 rows).
  assert.match(svg, /one row = 128 B/);
  const bpr = 128;
  const px = HM_MAP.width / bpr;
  const rowY = (r: number): number => HM_MAP.y0 + (1 + r) * HM_MAP.rowPitch; // row 0 is the heap title
  // The 104-byte block of id 1 at offset 3988: header 4 B (grey) then 100 B live (blue); it
  // starts 20 B into row 31 (3988 = 31 * 128 + 20). No block is under 1 px here (4 B = 26 px),
  // so the axis is exactly linear.
  const b1 = g[7]!;
  assert.match(b1.title, /^0x02180f94 · block of 104 B · id 1 · requested 100 B · usable 100 B/);
  // (the 4th used block: live payloads alternate two blues, #1f77b4 and #4a9ad4)
  assert.equal(b1.paths.map((p) => p.fill), ['#8c8c8c', '#4a9ad4']);
  const [hx, hy, hw] = b1.paths[0]!.rects[0]!;
  assert.ok(Math.abs(hx - (HM_MAP.x0 + 20 * px)) < 0.01, `header x ${hx}`);
  assert.ok(Math.abs(hy - rowY(31)) < 0.01);
  assert.ok(Math.abs(hw - 4 * px) < 0.01);
  // payload 100 B from offset 3992 = row 31 + 24 B; it crosses into row 32 (3992 + 100 = 4092 = 31*128 + 124): one row
  const pay = b1.paths[1]!.rects;
  assert.is(pay.length, 1);
  assert.ok(Math.abs(pay[0]![2] - 100 * px) < 0.01);
  // The free block of 2008 B at offset 1924 (row 15 + 4 B) wraps over rows 15..30 (ends at 3931 = 30 * 128 + 91).
  const free = g[4]!;
  assert.match(free.title, /^0x02180784 · free · 1.96 KiB$/);
  const rows = free.paths[0]!.rects.map((r) => (r[1] - HM_MAP.y0) / HM_MAP.rowPitch - 1);
  assert.equal(rows, Array.from({ length: 16 }, (_, i) => 15 + i));
  // The locked block: slack part drawn (12 usable - 5 requested = 7 B) and the hatch outline.
  assert.match(svg, /locked block of 16 B · id 3 · requested 5 B · usable 12 B · slack 7 B/);
  assert.match(svg, /fill="url\(#hm-hatch\)" stroke="#000000"/);
  // Regions above: main and dtcm with their bases; the heap highlighted in main.
  assert.match(svg, /main 4.00 MiB/);
  assert.match(svg, />0x0b000000</);
  assert.match(svg, /class="heap"[^>]*><title>heap userland: 0x02180000–0x02180fff/);
});

test('deterministic: same snapshot, same bytes; no timestamps or random ids', () => {
  const a = renderHeapMap(snapshotAt(SMALL, 'first-fit', 8), INFO);
  const b = renderHeapMap(snapshotAt(SMALL, 'first-fit', 8), INFO);
  assert.is(renderHeapMap(HAND, INFO), renderHeapMap(handSnapshot([{ name: 'userland', base: BASE, size: 4096 }], [FIRST_FIT_LAYOUT]), INFO));
  assert.is(a, b);
  const ids = [...a.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(ids, ['hm-hatch']);
  // every coordinate with a fractional part has exactly two decimals
  for (const m of a.matchAll(/ (?:d|x|y|width)="([^"]*)"/g))
    for (const num of m[1]!.match(/-?\d+\.\d+/g) ?? []) assert.match(num, /^-?\d+\.\d\d$/);
});

test('multi-heap (heap5 on stm32f4): heaps in address order, each with a title line, golden', () => {
  const s = snapshotAt('a 1 100\na 2 3000\na 3 40\nf 2\n', 'heap5', 3, 'stm32f4', undefined);
  assert.ok(s.heaps.length >= 2);
  for (let i = 1; i < s.heaps.length; i++) assert.ok(s.heaps[i]!.base > s.heaps[i - 1]!.base);
  // blocks cover each heap exactly, no gaps
  for (let h = 0; h < s.heaps.length; h++) {
    const bs = s.blocks.filter((b) => b.heap === h);
    assert.is(bs.reduce((a, b) => a + b.size, 0), s.heaps[h]!.size);
    assert.ok(bs.every((b) => b.kind !== HM_GAP));
  }
  const svg = renderHeapMap(s, { ...INFO, device: 'stm32f4', allocator: 'heap5', regions: deviceRegions(loadDevice('stm32f4')) });
  assert.is((svg.match(/class="hm-heap"/g) ?? []).length, s.heaps.length);
  assert.is(groups(svg).length, s.blocks.length);
  // golden: two heaps by hand (a 64 KiB one below a 4 KiB one), a gap no block covers in the second
  const hand = handSnapshot(
    [{ name: 'ccm', base: 0x10000000, size: 65536 }, { name: 'sram', base: 0x20004000, size: 4096 }],
    [
      [[0, 32, HM_META, 0, 0, 0, -1], [32, 112, HM_USED, 8, 104, 100, 1], [144, 3008, HM_FREE, 0, 0, 0, -1], [3152, 48, HM_USED, 8, 40, 40, 3], [3200, 62328, HM_FREE, 0, 0, 0, -1], [65528, 8, HM_META, 0, 0, 0, -1]],
      [[0, 2048, HM_FREE, 0, 0, 0, -1], [2048, 1024, HM_GAP, 0, 0, 0, -1], [3072, 1016, HM_LOCKED, 8, 1008, 1000, 7], [4088, 8, HM_META, 0, 0, 0, -1]],
    ],
    3,
  );
  const hsvg = renderHeapMap(hand, { ...INFO, device: 'stm32f4', allocator: 'heap5', regions: deviceRegions(loadDevice('stm32f4')), caption: 'after op 3 of 4' });
  golden('heapmap-two-heaps.svg', hsvg);
  assert.is(groups(hsvg).length, 9); // the gap is drawn but is not a block
  assert.match(hsvg, /<g class="gap"><title>0x20004800 · not covered by any block · 1.00 KiB<\/title>/);
});

test('tiny blocks get the minimum width and never overlap; the scale still fits the rows', () => {
  // 3000 blocks of 8 bytes and one big free block: most are far under a pixel at this scale.
  const blocks: MapBlock[] = [];
  let a = 0x1000;
  for (let i = 0; i < 3000; i++) {
    blocks.push({ heap: 0, addr: a, size: 8, kind: i % 3 === 0 ? HM_FREE : HM_USED, lead: i % 3 === 0 ? 0 : 4, usable: i % 3 === 0 ? 0 : 4, requested: i % 3 === 0 ? 0 : 3, id: i });
    a += 8;
  }
  blocks.push({ heap: 0, addr: a, size: 1 << 20, kind: HM_FREE, lead: 0, usable: 0, requested: 0, id: -1 });
  const heaps = [{ name: 'h', base: 0x1000, size: a - 0x1000 + (1 << 20) }];
  const g: MapGeometry = { ...HM_MAP };
  const lay = hmRenderBlocks(heaps, blocks, g);
  assert.ok(lay.rowsUsed <= g.rows, `rows ${lay.rowsUsed}`);
  assert.is(lay.blockCount, 3001);
  assert.is(lay.minPx, 1);
  const gs = groups(lay.svg);
  // total drawn width per block >= minPx, and the pieces in each row do not overlap
  const byRow = new Map<number, [number, number][]>();
  for (const blk of gs) {
    let w = 0;
    const xs: [number, number][] = [];
    for (const p of blk.paths)
      for (const [x, y, ww] of p.rects) {
        w += ww;
        xs.push([x, y]);
        const row = byRow.get(y) ?? [];
        row.push([x, x + ww]);
        byRow.set(y, row);
      }
    assert.ok(w >= 0.99, `block drawn ${w} px wide`);
  }
  for (const spans of byRow.values()) {
    spans.sort((p, q) => p[0] - q[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i]![0] >= spans[i - 1]![1] - 0.011, `overlap ${JSON.stringify(spans[i - 1])} ${JSON.stringify(spans[i])}`);
  }
  // With more blocks than pixels, the minimum width shrinks below a pixel so the map still fits.
  const many: MapBlock[] = [];
  for (let i = 0; i < 40000; i++) many.push({ heap: 0, addr: 0x1000 + 8 * i, size: 8, kind: HM_META, lead: 0, usable: 0, requested: 0, id: -1 });
  const lay2 = hmRenderBlocks([{ name: 'h', base: 0x1000, size: 320000 }], many, g);
  assert.ok(lay2.minPx < 1);
  assert.ok(lay2.rowsUsed <= g.rows);
  assert.is(lay2.blockCount, 40000);
});

test('frame encoding round-trips every block (first-fit, rmalloc with locks, heap5)', () => {
  for (const [alloc, dev, heap] of [['first-fit', 'nds', 4096], ['rmalloc', 'nds', 4096], ['heap5', 'stm32f4', undefined]] as const) {
    const s = snapshotAt(SMALL, alloc, 8, dev, heap);
    const d = encodeFrame(s.blocks);
    assert.equal(decodeFrame(d, s.heaps), s.blocks, alloc);
  }
});

test('FrameSampler: every k ops, the last op, and before/after each compaction (thinned to a cap)', () => {
  // rmalloc in a tight heap with --oom compact: fragmenting frees, then big requests compact.
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) lines.push(`a ${i} 96`);
  for (let i = 0; i < 40; i += 2) lines.push(`f ${i}`);
  for (let i = 0; i < 12; i++) lines.push(`a ${100 + i} 180`, `f ${100 + i}`);
  const t = traceFromText(lines.join('\n') + '\n', 'frag');
  const n = t.ops.n;
  const sampler = new FrameSampler<HeapSnapshot>({ every: 10, lastOp: n - 1, maxCompactions: 4 }, takeSnapshot);
  const r = replay(t, { device: loadDevice('nds'), allocator: 'rmalloc', oom: 'compact', heapSize: 4608 }, sampler);
  assert.equal(sampler.frames.map((f) => f.op), [...Array.from({ length: Math.ceil(n / 10) }, (_, i) => 10 * i), ...((n - 1) % 10 ? [n - 1] : [])]);
  assert.ok(r.compaction.runs > 0, 'the trace must make rmalloc compact');
  assert.is(sampler.compactionCount, r.compaction.runs);
  assert.ok(sampler.compactions.length >= 1 && sampler.compactions.length <= 4);
  for (const c of sampler.compactions) {
    // a compaction does not change what is live, and leaves free space in fewer pieces
    const live = (s: HeapSnapshot): number[] => s.blocks.filter((b) => b.kind === HM_USED || b.kind === HM_LOCKED).map((b) => b.id).sort((x, y) => x - y);
    assert.equal(live(c.before), live(c.after));
    const frees = (s: HeapSnapshot): number => s.blocks.filter((b) => b.kind === HM_FREE).length;
    assert.ok(frees(c.after) <= frees(c.before));
  }
  const anim = renderAnimatedSvg(sampler.frames.slice(0, 3), { device: 'nds', allocator: 'rmalloc', trace: 'frag', regions: [] }, n);
  assert.is((anim.match(/<g class="frame"/g) ?? []).length, 3);
  assert.is((anim.match(/<animate /g) ?? []).length, 3);
  assert.is((anim.match(/id="hm-hatch"/g) ?? []).length, 1);
});

// ---- the command ----------------------------------------------------------------------------

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  return spawnCli(args, { cwd: ROOT });
}

test('heapmap command: SVG on stdout equals the library picture; frames, animation; bad --at exits 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rms-hm-'));
  try {
    const tf = path.join(dir, 'small.trace');
    fs.writeFileSync(tf, SMALL);
    const a = cli(['heapmap', '-d', 'nds', '-a', 'first-fit', '-t', tf, '--heap', '4096', '--at', '8']);
    assert.is(a.code, 0, a.stderr);
    assert.is(a.stdout, renderHeapMap(snapshotAt(SMALL, 'first-fit', 8), INFO));
    // the frame export in-process (the command's handler; a spawn costs seconds)
    const fr = path.join(dir, 'frames');
    const write = process.stdout.write;
    let said = '';
    process.stdout.write = ((chunk: string) => ((said += chunk), true)) as typeof process.stdout.write;
    try {
      await (heapmapCommand.handler as unknown as (a: object) => Promise<void>)({
        device: 'nds', allocator: 'first-fit', trace: tf, heap: '4096', oom: 'fail', locks: 'none', seed: 1,
        frames: fr, every: 3, animate: path.join(dir, 'anim.svg'),
      });
    } finally {
      process.stdout.write = write;
    }
    assert.is(process.exitCode ?? 0, 0);
    assert.match(said, /^4 frames \(every 3 ops up to op 8, 0 compactions\)/);
    // ops 0, 3, 6 and the last op 8; first-fit never compacts
    assert.equal(fs.readdirSync(fr).sort(), ['frame-000000.svg', 'frame-000001.svg', 'frame-000002.svg', 'frame-000003.svg']);
    assert.match(fs.readFileSync(path.join(fr, 'frame-000003.svg'), 'utf8'), /after op 8 of 9/);
    assert.is(fs.readFileSync(path.join(fr, 'frame-000001.svg'), 'utf8'), renderHeapMap(snapshotAt(SMALL, 'first-fit', 3), { ...INFO, caption: 'after op 3 of 9' }));
    assert.is((fs.readFileSync(path.join(dir, 'anim.svg'), 'utf8').match(/<g class="frame"/g) ?? []).length, 4);
    // bad input: one line on stderr, exit status 2 (in-process through the command's handler)
    const werr = process.stderr.write;
    let err = '';
    process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
    try {
      await (heapmapCommand.handler as unknown as (a: object) => Promise<void>)({
        device: 'nds', allocator: 'first-fit', trace: tf, oom: 'fail', locks: 'none', seed: 1, at: '9',
      });
    } finally {
      process.stderr.write = werr;
    }
    assert.is(process.exitCode, 2);
    process.exitCode = 0;
    assert.is(err.trim().split('\n').length, 1);
    assert.match(err, /--at: op 9 is past the end of the trace \(9 ops: 0 to 8\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
