/**
 * Heap maps: the layout of a heap at one moment as SVG. Deterministic (2 fixed decimals, no
 * timestamps, no random ids), so it can be golden-tested and diffed.
 *
 * What is drawn. Every block the allocator's walk() reports, in address order, as one group
 * (`<g class="blk">`, with a `<title>` tooltip: address, block size, id, requested and usable
 * size) wrapped into rows like text. A used block is coloured in up to four parts: the header
 * before the payload and any trailing padding (metadata, grey), the requested bytes (live
 * payload, blue; neighbouring blocks alternate two blues so they stay distinguishable), and
 * usable − requested (internal slack, yellow). Free blocks are green, allocator metadata blocks
 * ('meta': free-list heads, bitmaps, handle tables, slab descriptors) grey, bytes no block
 * covers (should not happen) white with a red edge. Locked blocks get a black outline and hatch.
 *
 * Scale. Each row stands for `bytesPerRow` bytes (a power of two or 1.5 × one, the smallest that
 * lets every heap fit the fixed picture). A block narrower than `minPx` pixels is drawn
 * `minPx` wide and pushes the blocks after it to the right, so the axis is linear except for
 * these widenings; the label left of each row is the exact address where that row starts, and
 * the subtitle states the scale. With very many blocks minPx shrinks below 1 so they all fit.
 *
 * The layout and drawing of the block area is one self-contained function (`hmRenderBlocks`, no
 * imports or outer variables): the HTML report embeds its source and runs the very same code in
 * the browser to draw its scrubber frames, so the CLI's SVG and the report's maps agree.
 */
import type { RunView } from '../sim';
import { escapeXml } from './svg';

/** Block kinds (also the codes of the compact frame encoding in frames.ts). */
export const HM_FREE = 0;
export const HM_META = 1;
export const HM_USED = 2;
export const HM_LOCKED = 3;
export const HM_GAP = 4;

export interface MapHeap {
  name: string;
  base: number;
  size: number;
}

export interface MapBlock {
  /** Index into the snapshot's heaps. */
  heap: number;
  addr: number;
  size: number;
  /** HM_FREE | HM_META | HM_USED | HM_LOCKED | HM_GAP. */
  kind: number;
  /** Used blocks: bytes from the block start to the payload (header, alignment). */
  lead: number;
  usable: number;
  requested: number;
  /** Trace id holding the block (-1 when none). */
  id: number;
}

export interface HeapSnapshot {
  /** The op after which (or around which) the snapshot was taken. */
  op: number;
  /** Heaps in address order. */
  heaps: MapHeap[];
  /** Blocks in heap order, then address order; gaps (bytes no block covers) as HM_GAP. */
  blocks: MapBlock[];
}

/** Takes a snapshot of the allocator's heap through the observer view (no simulated cycles). */
export function snapshotHeap(view: RunView, op: number): HeapSnapshot {
  const heaps = [...view.heaps].sort((a, b) => a.base - b.base).map((h) => ({ name: h.name, base: h.base, size: h.size }));
  const raw: { addr: number; size: number; state: string; handle: number; payload: number; usable: number; locked: boolean }[] = [];
  view.allocator.walk((b) => {
    raw.push({ addr: b.addr, size: b.size, state: b.state, handle: b.handle, payload: b.payload, usable: b.usable, locked: b.locked });
  });
  raw.sort((a, b) => a.addr - b.addr);
  const blocks: MapBlock[] = [];
  let k = 0;
  heaps.forEach((h, hi) => {
    const end = h.base + h.size;
    let cur = h.base;
    while (k < raw.length && raw[k]!.addr < h.base) k++;
    for (; k < raw.length && raw[k]!.addr < end; k++) {
      const b = raw[k]!;
      if (b.addr > cur) blocks.push({ heap: hi, addr: cur, size: b.addr - cur, kind: HM_GAP, lead: 0, usable: 0, requested: 0, id: -1 });
      const size = Math.min(b.size, end - b.addr);
      if (b.state === 'used') {
        const locked = b.locked || view.lockCountOf(b.handle) > 0;
        const lead = b.payload > 0 ? Math.max(0, Math.min(size, b.payload - b.addr)) : 0;
        const usable = Math.max(0, Math.min(size - lead, b.usable));
        const requested = Math.min(usable, view.requestedOf(b.handle));
        blocks.push({ heap: hi, addr: b.addr, size, kind: locked ? HM_LOCKED : HM_USED, lead, usable, requested, id: view.idOf(b.handle) });
      } else {
        blocks.push({ heap: hi, addr: b.addr, size, kind: b.state === 'free' ? HM_FREE : HM_META, lead: 0, usable: 0, requested: 0, id: -1 });
      }
      cur = Math.max(cur, b.addr + size);
    }
    if (cur < end) blocks.push({ heap: hi, addr: cur, size: end - cur, kind: HM_GAP, lead: 0, usable: 0, requested: 0, id: -1 });
  });
  return { op, heaps, blocks };
}

/** Geometry of the block area. */
export interface MapGeometry {
  /** Left edge of the rows (row labels go left of it). */
  x0: number;
  /** Top of the first row. */
  y0: number;
  /** Row width in pixels. */
  width: number;
  rowHeight: number;
  /** Vertical distance between row tops. */
  rowPitch: number;
  /** Row slots available (heap title lines count as one each). */
  rows: number;
  /** Minimum drawn width of a block (pixels). */
  minPx: number;
}

export interface MapLayout {
  svg: string;
  bytesPerRow: number;
  /** Minimum block width actually used (pixels). */
  minPx: number;
  /** Row slots used, heap title lines included. */
  rowsUsed: number;
  /** Number of `g.blk` groups drawn (= blocks that are not gaps). */
  blockCount: number;
}

/**
 * Lays out and draws the blocks (self-contained: no imports, no outer variables; its source is
 * embedded in the HTML report). `heaps` in address order; `blocks` in heap then address order.
 */
export function hmRenderBlocks(heaps: MapHeap[], blocks: MapBlock[], g: MapGeometry): MapLayout {
  const f2 = (v: number): string => {
    const s = v.toFixed(2);
    return s === '-0.00' ? '0.00' : s;
  };
  const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');
  const fmtB = (n: number): string =>
    n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(n < 10240 ? 2 : 1) + ' KiB' : (n / 1048576).toFixed(2) + ' MiB';
  const COL = { live: '#1f77b4', live2: '#4a9ad4', slack: '#f2c14e', meta: '#8c8c8c', free: '#7fc97f', gap: '#ffffff', row: '#f1f1f1' };

  // ---- scale: the smallest nice bytes-per-row that fits every heap into the row slots
  const nb = blocks.length;
  const minPx = Math.min(g.minPx, (0.5 * Math.max(1, g.rows - heaps.length) * g.width) / Math.max(1, nb));
  let total = 0;
  for (const h of heaps) total += h.size;
  const rowsFor = (bpr: number): number => {
    const minB = (minPx * bpr) / g.width;
    const disp: number[] = heaps.map(() => 0);
    for (const b of blocks) disp[b.heap] = (disp[b.heap] ?? 0) + Math.max(b.size, minB);
    let rows = heaps.length; // one title line per heap
    for (const d of disp) rows += Math.max(1, Math.ceil(d / bpr - 1e-9));
    return rows;
  };
  let bpr = 8;
  const lower = total / Math.max(1, g.rows - heaps.length);
  while (bpr * 2 <= lower) bpr *= 2;
  for (let i = 0; i < 200; i++) {
    if (rowsFor(bpr) <= g.rows) break;
    const pow = 2 ** Math.floor(Math.log2(bpr) + 1e-9);
    bpr = bpr === pow ? pow * 1.5 : pow * 2;
  }
  const minB = (minPx * bpr) / g.width;

  // ---- draw
  const out: string[] = [];
  let row = 0;
  let blockCount = 0;
  let hi = -1;
  let pos = 0; // display bytes into the current heap
  let heapRow0 = 0;
  let usedIdx = 0;
  const y = (r: number): number => g.y0 + r * g.rowPitch;
  const rowAddr: (number | undefined)[] = [];
  const startHeap = (k: number): void => {
    // finish rows of the previous heap: background of the last partial row
    hi = k;
    const h = heaps[k]!;
    out.push(
      `<text class="hm-heap" x="${f2(g.x0)}" y="${f2(y(row) + g.rowHeight - 2)}" font-size="11" font-weight="bold">${
        h.name.replace(/&/g, '&amp;').replace(/</g, '&lt;')
      } heap · ${hex(h.base)}–${hex(h.base + h.size - 1)} · ${fmtB(h.size)}</text>`,
    );
    row++;
    heapRow0 = row;
    pos = 0;
  };
  const pieces = (from: number, len: number): string => {
    // the rows a display-byte range [from, from+len) covers, as one path of rectangles
    let d = '';
    let p = from;
    const end = from + len;
    while (p < end - 1e-9) {
      const r = Math.floor(p / bpr + 1e-9);
      const rowEnd = (r + 1) * bpr;
      const q = Math.min(end, rowEnd);
      const x = g.x0 + ((p - r * bpr) / bpr) * g.width;
      const w = ((q - p) / bpr) * g.width;
      d += `M${f2(x)},${f2(y(heapRow0 + r))}h${f2(w)}v${f2(g.rowHeight)}h${f2(-w)}z`;
      p = q;
    }
    return d;
  };
  const bgRows: string[] = [];
  const endHeap = (): void => {
    if (hi < 0) return;
    const rows = Math.max(1, Math.ceil(pos / bpr - 1e-9));
    for (let r = 0; r < rows; r++) {
      const w = r === rows - 1 ? ((pos - r * bpr) / bpr) * g.width : g.width;
      bgRows.push(`M${f2(g.x0)},${f2(y(heapRow0 + r))}h${f2(w)}v${f2(g.rowHeight)}h${f2(-w)}z`);
      const a = rowAddr[heapRow0 + r];
      if (a !== undefined && g.rowPitch >= 9)
        out.push(`<text class="hm-addr" x="${f2(g.x0 - 4)}" y="${f2(y(heapRow0 + r) + g.rowHeight - 2)}" text-anchor="end" font-size="9" fill="#555555">${hex(a)}</text>`);
    }
    row = heapRow0 + rows;
  };
  for (let i = 0; i < nb; i++) {
    const b = blocks[i]!;
    while (b.heap !== hi) {
      endHeap();
      startHeap(hi + 1);
    }
    const disp = Math.max(b.size, minB);
    const sc = disp / Math.max(1, b.size);
    // exact start address of every row this block opens
    const r0 = Math.ceil(pos / bpr - 1e-9);
    for (let r = r0; r * bpr < pos + disp - 1e-9; r++)
      if (rowAddr[heapRow0 + r] === undefined) rowAddr[heapRow0 + r] = b.addr + Math.floor((r * bpr - pos) / sc + 1e-9);
    const segs: [number, string][] = [];
    let title: string;
    if (b.kind === 2 || b.kind === 3) {
      const live = usedIdx++ % 2 === 0 ? COL.live : COL.live2;
      segs.push([b.lead, COL.meta], [b.requested, live], [b.usable - b.requested, COL.slack], [b.size - b.lead - b.usable, COL.meta]);
      title = `${hex(b.addr)} · ${b.kind === 3 ? 'locked ' : ''}block of ${fmtB(b.size)} · id ${b.id} · requested ${fmtB(b.requested)} · usable ${fmtB(b.usable)} · slack ${fmtB(b.usable - b.requested)} · header/padding ${fmtB(b.size - b.usable)}`;
    } else if (b.kind === 0) {
      segs.push([b.size, COL.free]);
      title = `${hex(b.addr)} · free · ${fmtB(b.size)}`;
    } else if (b.kind === 1) {
      segs.push([b.size, COL.meta]);
      title = `${hex(b.addr)} · allocator metadata · ${fmtB(b.size)}`;
    } else {
      segs.push([b.size, COL.gap]);
      title = `${hex(b.addr)} · not covered by any block · ${fmtB(b.size)}`;
    }
    const parts: string[] = [];
    let off = pos;
    for (const [len, col] of segs) {
      if (len <= 0) continue;
      parts.push(`<path d="${pieces(off, len * sc)}" fill="${col}"/>`);
      off += len * sc;
    }
    if (b.kind === 3) parts.push(`<path d="${pieces(pos, disp)}" fill="url(#hm-hatch)" stroke="#000000" stroke-width="1"/>`);
    if (b.kind === 4) {
      parts.push(`<path d="${pieces(pos, disp)}" fill="none" stroke="#d62728" stroke-width="1"/>`);
      out.push(`<g class="gap"><title>${title}</title>${parts.join('')}</g>`);
    } else {
      blockCount++;
      out.push(`<g class="blk" data-k="${b.kind}"><title>${title}</title>${parts.join('')}</g>`);
    }
    pos += disp;
  }
  endHeap();
  for (let k = hi + 1; k < heaps.length; k++) {
    startHeap(k);
    endHeap();
  }
  const bg = bgRows.length ? `<path class="hm-bg" d="${bgRows.join('')}" fill="${COL.row}"/>` : '';
  return { svg: bg + '\n' + out.join('\n'), bytesPerRow: bpr, minPx, rowsUsed: row, blockCount };
}

// ---- the standalone picture -----------------------------------------------------------------

export interface RegionLike {
  name: string;
  base: number;
  size: number;
}

export interface HeapMapInfo {
  device: string;
  allocator: string;
  trace: string;
  /** The device's memory regions (drawn as a bar above the map). */
  regions: RegionLike[];
  /** Shown under the title, e.g. "after op 1,234". */
  caption: string;
}

export const HM_WIDTH = 960;
export const HM_MAP: MapGeometry = { x0: 92, y0: 150, width: 844, rowHeight: 11, rowPitch: 14, rows: 34, minPx: 1 };
const HM_HEIGHT = HM_MAP.y0 + HM_MAP.rows * HM_MAP.rowPitch + 40;

const f2 = (v: number): string => {
  const s = v.toFixed(2);
  return s === '-0.00' ? '0.00' : s;
};
const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(n < 10240 ? 2 : 1)} KiB`;
  return `${(n / 1048576).toFixed(2)} MiB`;
}

/** The hatch pattern locked blocks use (one fixed id). */
export const HM_DEFS =
  '<defs><pattern id="hm-hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
  '<rect width="4" height="4" fill="none"/><line x1="0" y1="0" x2="0" y2="4" stroke="#000000" stroke-width="1.2"/></pattern></defs>';

/** The device's regions as a bar: widths ∝ size with a minimum, heaps highlighted inside. */
export function regionBar(regions: RegionLike[], heaps: MapHeap[], x0: number, y0: number, width: number): string {
  const regs = [...regions].sort((a, b) => a.base - b.base);
  if (regs.length === 0) return '';
  const MIN = Math.min(150, width / regs.length);
  const gap = 6;
  const avail = width - gap * (regs.length - 1);
  // widths proportional to size, but at least MIN each
  let fixed = 0;
  let rest = 0;
  const small = regs.map(() => false);
  for (let it = 0; it < regs.length; it++) {
    fixed = 0;
    rest = 0;
    regs.forEach((r, i) => (small[i] ? (fixed += MIN) : (rest += r.size)));
    let changed = false;
    regs.forEach((r, i) => {
      if (!small[i] && rest > 0 && ((avail - fixed) * r.size) / rest < MIN) {
        small[i] = true;
        changed = true;
      }
    });
    if (!changed) break;
  }
  const out: string[] = [];
  const h = 26;
  let x = x0;
  out.push(`<text x="${f2(x0)}" y="${f2(y0 - 6)}" font-size="11" fill="#555555">device memory map (region widths not to scale; heaps to scale inside their region)</text>`);
  regs.forEach((r, i) => {
    const w = small[i] || rest === 0 ? MIN : ((avail - fixed) * r.size) / rest;
    out.push(
      `<g class="region"><title>${escapeXml(`${r.name}: ${hex(r.base)}–${hex(r.base + r.size - 1)} (${fmtBytes(r.size)})`)}</title>`,
      `<rect x="${f2(x)}" y="${f2(y0)}" width="${f2(w)}" height="${h}" fill="#f7f7f7" stroke="#555555"/>`,
    );
    for (const hp of heaps) {
      if (hp.base < r.base || hp.base >= r.base + r.size) continue;
      const hx = x + ((hp.base - r.base) / r.size) * w;
      const hw = Math.max(3, (Math.min(hp.size, r.base + r.size - hp.base) / r.size) * w);
      out.push(
        `<rect class="heap" x="${f2(hx)}" y="${f2(y0 + 3)}" width="${f2(hw)}" height="${h - 6}" fill="#c6dbef" stroke="#1f77b4" stroke-width="1.5"><title>${escapeXml(
          `heap ${hp.name}: ${hex(hp.base)}–${hex(hp.base + hp.size - 1)} (${fmtBytes(hp.size)})`,
        )}</title></rect>`,
      );
    }
    out.push(
      `<text x="${f2(x + 3)}" y="${f2(y0 + h + 13)}" font-size="11">${escapeXml(r.name)} ${fmtBytes(r.size)}</text>`,
      `<text x="${f2(x + 3)}" y="${f2(y0 + h + 26)}" font-size="10" fill="#555555">${hex(r.base)}</text>`,
      '</g>',
    );
    x += w + gap;
  });
  return out.join('\n');
}

/** Legend entries: colour, label. */
export const HM_LEGEND: [string, string][] = [
  ['#1f77b4', 'live payload (requested)'],
  ['#f2c14e', 'internal slack (usable − requested)'],
  ['#8c8c8c', 'metadata / headers'],
  ['#7fc97f', 'free'],
];

function legendSvg(x: number, y: number): string {
  const out: string[] = [];
  let xx = x;
  for (const [c, label] of HM_LEGEND) {
    out.push(`<rect x="${f2(xx)}" y="${f2(y - 9)}" width="12" height="10" fill="${c}"/>`, `<text x="${f2(xx + 16)}" y="${f2(y)}" font-size="11">${escapeXml(label)}</text>`);
    xx += 24 + label.length * 6.2;
  }
  out.push(
    `<rect x="${f2(xx)}" y="${f2(y - 9)}" width="12" height="10" fill="url(#hm-hatch)" stroke="#000000"/>`,
    `<text x="${f2(xx + 16)}" y="${f2(y)}" font-size="11">locked</text>`,
  );
  return out.join('\n');
}

/** Totals of a snapshot, for the caption. */
export function snapshotTotals(s: HeapSnapshot): { live: number; slack: number; meta: number; free: number; blocks: number; locked: number } {
  let live = 0, slack = 0, meta = 0, free = 0, blocks = 0, locked = 0;
  for (const b of s.blocks) {
    if (b.kind === HM_GAP) continue;
    blocks++;
    if (b.kind === HM_FREE) free += b.size;
    else if (b.kind === HM_META) meta += b.size;
    else {
      live += b.requested;
      slack += b.usable - b.requested;
      meta += b.size - b.usable;
      if (b.kind === HM_LOCKED) locked++;
    }
  }
  return { live, slack, meta, free, blocks, locked };
}

/** The heap-map SVG of one snapshot. Same input, same bytes. */
export function renderHeapMap(s: HeapSnapshot, info: HeapMapInfo): string {
  const lay = hmRenderBlocks(s.heaps, s.blocks, HM_MAP);
  const t = snapshotTotals(s);
  const heapBytes = s.heaps.reduce((a, h) => a + h.size, 0);
  const minNote = lay.minPx < 1 ? `${lay.minPx.toFixed(2)} px` : `${lay.minPx} px`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${HM_WIDTH}" height="${HM_HEIGHT}" viewBox="0 0 ${HM_WIDTH} ${HM_HEIGHT}" font-family="sans-serif" font-size="12">`,
    HM_DEFS,
    `<rect x="0" y="0" width="${HM_WIDTH}" height="${HM_HEIGHT}" fill="#ffffff"/>`,
    `<text x="${HM_WIDTH / 2}" y="22" text-anchor="middle" font-size="16">${escapeXml(`${info.device} · ${info.allocator} · ${info.trace} · ${info.caption}`)}</text>`,
    `<text x="${HM_WIDTH / 2}" y="40" text-anchor="middle" fill="#555555">${escapeXml(
      `heap ${fmtBytes(heapBytes)}: live ${fmtBytes(t.live)}, slack ${fmtBytes(t.slack)}, metadata ${fmtBytes(t.meta)}, free ${fmtBytes(t.free)}; ${t.blocks} blocks${t.locked ? `, ${t.locked} locked` : ''}`,
    )}</text>`,
    regionBar(info.regions, s.heaps, HM_MAP.x0, 66, HM_MAP.width),
    legendSvg(HM_MAP.x0, 136),
    `<text x="${HM_MAP.x0 + HM_MAP.width}" y="${HM_HEIGHT - 14}" text-anchor="end" font-size="10" fill="#555555">${escapeXml(
      `scale: one row = ${fmtBytes(lay.bytesPerRow)} (${(lay.bytesPerRow / HM_MAP.width).toFixed(2)} B per px); blocks under ${minNote} are drawn ${minNote} wide and push later blocks right; row labels are exact addresses`,
    )}</text>`,
    lay.svg,
    '</svg>',
  ];
  return out.join('\n') + '\n';
}
