/**
 * Heap-map frames over a replay: a replay observer that snapshots the heap every k ops and
 * before and after each compaction, the compact frame encoding the HTML report stores, and the
 * frame-sequence / animated-SVG export of `rmalloc-sim heapmap --frames DIR --every N`.
 *
 * Frame encoding (per frame, unsigned LEB128 varints), blocks in heap then address
 * order, addresses implied by the running sum from each heap's base:
 *   free, meta, gap:   kind, size
 *   used, locked:      kind, size, lead (header bytes before the payload), trail (size − lead −
 *                      usable: padding after the payload), slack (usable − requested), id + 1
 * (the small differences rather than the sizes themselves: one byte each as a rule). About 7
 * bytes a used block, 3 a free one. The report stores all frames of an allocator as one
 * gzip-compressed base64 blob; `decodeFrame` is self-contained (its source runs in the page).
 */
import * as zlib from 'node:zlib';
import type { CompactResult } from '../alloc';
import type { ReplayObserver, RunView } from '../sim';
import { HM_DEFS, HM_LOCKED, HM_USED, MapBlock, MapHeap, HeapSnapshot, renderHeapMap, HeapMapInfo, snapshotHeap } from './heapmap';

/** Encodes a snapshot's blocks compactly (see the file comment). */
export function encodeFrame(blocks: readonly MapBlock[]): Uint8Array {
  const bytes: number[] = [];
  const v = (n: number): void => {
    let x = Math.max(0, Math.floor(n));
    while (x >= 128) {
      bytes.push((x % 128) | 128);
      x = Math.floor(x / 128);
    }
    bytes.push(x);
  };
  for (const b of blocks) {
    v(b.kind);
    v(b.size);
    if (b.kind === HM_USED || b.kind === HM_LOCKED) {
      v(b.lead);
      v(b.size - b.lead - b.usable);
      v(b.usable - b.requested);
      v(b.id + 1);
    }
  }
  return Uint8Array.from(bytes);
}

/**
 * Decodes the frame in bytes[start, end) back into blocks (self-contained: no imports or outer
 * variables; the HTML report embeds its source). `heaps` in address order, as at encoding.
 */
export function decodeFrame(bytes: Uint8Array, heaps: MapHeap[], start = 0, end = bytes.length): MapBlock[] {
  let p = start;
  const v = (): number => {
    let x = 0;
    let m = 1;
    for (;;) {
      const c = bytes[p++]!;
      x += (c & 127) * m;
      if (c < 128) return x;
      m *= 128;
    }
  };
  const out: MapBlock[] = [];
  let hi = 0;
  let addr = heaps.length ? heaps[0]!.base : 0;
  while (p < end) {
    while (hi < heaps.length - 1 && addr >= heaps[hi]!.base + heaps[hi]!.size) {
      hi++;
      addr = heaps[hi]!.base;
    }
    const kind = v();
    const size = v();
    const b: MapBlock = { heap: hi, addr, size, kind, lead: 0, usable: 0, requested: 0, id: -1 };
    if (kind === 2 || kind === 3) {
      b.lead = v();
      b.usable = size - b.lead - v();
      b.requested = b.usable - v();
      b.id = v() - 1;
    }
    out.push(b);
    addr += size;
  }
  return out;
}

export type FrameTag = 'op' | 'before' | 'after';

export interface SampledFrame<T> {
  op: number;
  tag: FrameTag;
  data: T;
}

export interface CompactionFrames<T> {
  op: number;
  bytesMoved: number;
  before: T;
  after: T;
}

export interface SamplerOptions {
  /** Snapshot after every op i with i % every === 0, and after the last op (`lastOp`). */
  every: number;
  lastOp: number;
  /** Keep at most this many compactions (thinned evenly: every 2nd, 4th, ... when exceeded). */
  maxCompactions?: number;
  /** Snapshot compactions at all (default true). */
  compactions?: boolean;
}

/**
 * A ReplayObserver that turns the heap into frames with `take` (a snapshot, an encoded string,
 * a rendered SVG...). Nothing is taken between samples: the replay's hot loop is unaffected.
 */
export class FrameSampler<T> implements ReplayObserver {
  readonly frames: SampledFrame<T>[] = [];
  readonly compactions: CompactionFrames<T>[] = [];
  /** Every compaction seen (kept or not). */
  compactionCount = 0;
  private stride = 1;
  private pendingBefore: T | null = null;
  private readonly take: (view: RunView, op: number) => T;
  private readonly opts: SamplerOptions;

  constructor(opts: SamplerOptions, take: (view: RunView, op: number) => T) {
    this.opts = opts;
    this.take = take;
  }

  afterOp(i: number, view: RunView): void {
    if (i % this.opts.every === 0 || i === this.opts.lastOp) this.frames.push({ op: i, tag: 'op', data: this.take(view, i) });
  }

  beforeCompact(i: number, view: RunView): void {
    this.pendingBefore = null;
    if (this.opts.compactions === false) return;
    if (this.compactionCount % this.stride === 0) this.pendingBefore = this.take(view, i);
  }

  afterCompact(i: number, view: RunView, r: CompactResult): void {
    const k = this.compactionCount++;
    if (this.pendingBefore === null || k % this.stride !== 0) return;
    this.compactions.push({ op: i, bytesMoved: r.bytesMoved, before: this.pendingBefore, after: this.take(view, i) });
    this.pendingBefore = null;
    const max = this.opts.maxCompactions ?? Infinity;
    if (this.compactions.length > max) {
      // keep every other one (the kept ones are the multiples of the doubled stride)
      const kept = this.compactions.filter((_, j) => j % 2 === 0);
      this.compactions.length = 0;
      this.compactions.push(...kept);
      this.stride *= 2;
    }
  }
}

/** Snapshot taker for FrameSampler. */
export const takeSnapshot = (view: RunView, op: number): HeapSnapshot => snapshotHeap(view, op);

/** Zero-padded frame file names: frame-000123.svg. */
export function frameFileName(index: number, count: number): string {
  return `frame-${String(index).padStart(Math.max(6, String(count - 1).length), '0')}.svg`;
}

/** The caption of a frame. */
export function frameCaption(op: number, tag: FrameTag, ops: number): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  if (tag === 'before') return `before compaction at op ${n(op)} of ${n(ops)}`;
  if (tag === 'after') return `after compaction at op ${n(op)} of ${n(ops)}`;
  return `after op ${n(op)} of ${n(ops)}`;
}

/**
 * One animated SVG (SMIL) of a frame sequence: each frame is a nested <svg> shown for `secPer`
 * seconds in turn, looping. Browsers play it when the file is opened on its own.
 */
export function renderAnimatedSvg(frames: readonly SampledFrame<HeapSnapshot>[], info: Omit<HeapMapInfo, 'caption'>, ops: number, secPer = 0.5): string {
  const parts: string[] = [];
  let w = 960;
  let h = 600;
  const n = frames.length;
  const dur = Math.max(secPer, n * secPer);
  frames.forEach((f, i) => {
    const svg = renderHeapMap(f.data, { ...info, caption: frameCaption(f.op, f.tag, ops) });
    const m = /width="(\d+)" height="(\d+)"/.exec(svg);
    if (m) {
      w = Number(m[1]);
      h = Number(m[2]);
    }
    const inner = svg.replace(/^<svg[^>]*>\n/, '').replace(/<\/svg>\n$/, '');
    const body = i === 0 ? inner : inner.replace(HM_DEFS, '');
    const a = (i / n).toFixed(4);
    const b = ((i + 1) / n).toFixed(4);
    const anim =
      n === 1
        ? ''
        : i === 0
          ? `<animate attributeName="visibility" values="visible;hidden" keyTimes="0;${b}" calcMode="discrete" dur="${dur.toFixed(2)}s" repeatCount="indefinite"/>`
          : i === n - 1
            ? `<animate attributeName="visibility" values="hidden;visible" keyTimes="0;${a}" calcMode="discrete" dur="${dur.toFixed(2)}s" repeatCount="indefinite"/>`
            : `<animate attributeName="visibility" values="hidden;visible;hidden" keyTimes="0;${a};${b}" calcMode="discrete" dur="${dur.toFixed(2)}s" repeatCount="indefinite"/>`;
    parts.push(`<g class="frame" visibility="${i === 0 ? 'visible' : 'hidden'}">${anim}\n${body}\n</g>`);
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">\n` +
    parts.join('\n') +
    '\n</svg>\n'
  );
}


// ---- frames for the HTML report --------------------------------------------------------------

/** The scrubber data of one allocator on one trace. */
export interface AllocFrames {
  allocator: string;
  /** Heaps in address order (the frames' blocks run over them). */
  heaps: MapHeap[];
  ops: number;
  /** Ops between sampled frames (after thinning). */
  every: number;
  /** Op frames: op index and [offset, end) of the frame in the inflated blob. */
  frames: { op: number; at: [number, number] }[];
  /** Kept compactions: op, bytes moved, where the before and after frames are in the blob. */
  compactions: { op: number; moved: number; before: [number, number]; after: [number, number] }[];
  /** Compactions in the run (the kept ones are an even sample of them). */
  compactionCount: number;
  /** Every frame's bytes one after the other, gzip-compressed, base64. */
  z: string;
}

export interface FrameBudget {
  /** Compressed bytes this allocator's frames may take (op frames and compaction pairs together). */
  bytes: number;
  /** At most this many op frames. */
  maxFrames: number;
  /** At most this many compaction pairs. */
  maxCompactions: number;
}

/** Inflates an AllocFrames blob (Node side; the page uses DecompressionStream). */
export function inflateFrames(a: Pick<AllocFrames, 'z'>): Uint8Array {
  return new Uint8Array(zlib.gunzipSync(Buffer.from(a.z, 'base64')));
}

/**
 * Replays with a FrameSampler that stores encoded frames, then thins them (every 2nd frame,
 * doubling k, keeping the last; then every 2nd compaction pair) until the gzip-compressed blob
 * fits the byte budget. Consecutive frames share most of their blocks, so gzip packs them
 * several times smaller than the raw encoding.
 */
export function collectFrames(
  trace: { ops: { n: number } },
  budget: FrameBudget,
  run: (observer: ReplayObserver) => void,
  allocator: string,
): AllocFrames {
  const ops = trace.ops.n;
  let heaps: MapHeap[] = [];
  let every = Math.max(1, Math.ceil(ops / Math.max(1, budget.maxFrames - 1)));
  const sampler = new FrameSampler<Uint8Array>({ every, lastOp: ops - 1, maxCompactions: budget.maxCompactions }, (view, op) => {
    const s = snapshotHeap(view, op);
    heaps = s.heaps;
    return encodeFrame(s.blocks);
  });
  run(sampler);
  let frames = sampler.frames.map((f) => ({ op: f.op, d: f.data }));
  let compactions = sampler.compactions;
  const pack = (): { blob: Buffer; z: Buffer } => {
    const parts: Uint8Array[] = [];
    for (const f of frames) parts.push(f.d);
    for (const c of compactions) parts.push(c.before, c.after);
    const blob = Buffer.concat(parts);
    return { blob, z: zlib.gzipSync(blob, { level: 9 }) };
  };
  let packed = pack();
  // Compactions take at most a third of the budget; frames the rest.
  const cBytes = (): number => compactions.reduce((a, c) => a + c.before.length + c.after.length, 0);
  const ratio = packed.z.length / Math.max(1, packed.blob.length);
  while (compactions.length > 1 && cBytes() * ratio > budget.bytes / 3) compactions = compactions.filter((_, j) => j % 2 === 0);
  packed = pack();
  while (frames.length > 2 && packed.z.length > budget.bytes) {
    const last = frames[frames.length - 1]!;
    every *= 2;
    frames = frames.filter((f) => f.op % every === 0);
    if (frames[frames.length - 1] !== last) frames.push(last);
    packed = pack();
  }
  let o = 0;
  const at = (d: Uint8Array): [number, number] => {
    const r: [number, number] = [o, o + d.length];
    o += d.length;
    return r;
  };
  const outFrames = frames.map((f) => ({ op: f.op, at: at(f.d) }));
  const outCompactions = compactions.map((c) => ({ op: c.op, moved: c.bytesMoved, before: at(c.before), after: at(c.after) }));
  return {
    allocator, heaps, ops, every, frames: outFrames, compactions: outCompactions, compactionCount: sampler.compactionCount,
    z: packed.z.toString('base64'),
  };
}
