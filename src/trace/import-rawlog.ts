/**
 * Importer for the recorder's raw log (scripts/recorder/interpose.c, one file per process image).
 *
 * Raw format: `#` header lines (`# rmalloc-rec 1`, `# pid N`, `# ppid N`, `# image N`,
 * `# forked 0|1`, `# pagesize N`, `# pointer-bytes N` (sizeof(void *) of the process: 4 for a
 * 32-bit build, 8 for a 64-bit one), `# exe PATH`, one `# arg TEXT` per argv element, text escaped
 * with \\, \n and \xHH), then one record a line: `<seq> <kind> <ret> <size> [<extra>]`, with
 * addresses in hex (no 0x) and sizes in decimal. Kinds: M malloc, C calloc, R realloc and
 * Y reallocarray (extra = old pointer), L memalign, P posix_memalign, G aligned_alloc,
 * V valloc, W pvalloc (extra = alignment), F free (ret = the pointer). ret 0 = the call failed.
 * The log is a file mapping that grows in steps: unused space is zero bytes, and a process that
 * died while writing leaves a partial last record; both end the log.
 *
 * Conversion to native ops (design §6): each live address gets an id; freed ids are reused
 * smallest first, so the id space stays as compact as the live set. free(NULL), free of an
 * unknown pointer and failed calls are skipped and counted; realloc(NULL, n) is an `a`;
 * realloc(p, 0) is an `f`; aligned allocations become plain `a` ops with their requested size
 * (the alignments are counted in `stats`).
 */
import { SimError } from '../errors';
import { OP_ALLOC, OP_FREE, OP_REALLOC } from './types';
import type { Importer, OpSink } from './types';

/** What the raw header says about the process image. */
export interface RawLogMeta {
  version: number;
  pid: number;
  ppid: number;
  /** 0 for the first image of a pid, n for the image after the n-th exec that logged. */
  image: number;
  /** The image started as a fork child (the parent's code, before any exec). */
  forked: boolean;
  pageSize: number;
  /** sizeof(void *) in the process (0 when the log predates the field). */
  pointerBytes: number;
  exe: string;
  args: string[];
  /** For a fork child: the parent's log (pid, image) and the parent's sequence number at the fork. */
  forkedFrom: { pid: number; image: number; seq: number } | null;
}

/** A block live in a parent at a fork: the child starts its trace with it. */
export interface InheritedBlock {
  addr: string;
  id: number;
  size: number;
}

export interface RawLogOptions {
  /** Stop before the record with this sequence number (to replay a parent up to a fork). */
  stopAtSeq?: number;
  /**
   * Called once the header is read, for a fork child: returns the blocks live in the parent at
   * the fork (emitted as `a` ops first, keeping the parent's ids), or null when unknown.
   */
  inherit?: (meta: RawLogMeta) => InheritedBlock[] | null;
}

/** Counts a conversion collects beside the ops it emits. */
export interface RawLogStats {
  /** Records read, by the C function that made them. */
  calls: Record<RawCall, number>;
  allocs: number;
  frees: number;
  reallocs: number;
  /** Successful memalign/posix_memalign/aligned_alloc/valloc/pvalloc calls, and the largest alignment. */
  aligned: number;
  maxAlign: number;
  /** Skipped or adjusted events by reason. */
  skipped: Map<string, number>;
  /** Ids (= addresses) still live when the log ended. */
  liveAtEnd: number;
  /** The log ended inside a record (the process died while writing it). */
  truncated: boolean;
  /** Blocks inherited from the parent at a fork (allocated by the first ops), and their bytes. */
  inherited: number;
  inheritedBytes: number;
}

export type RawCall =
  | 'malloc'
  | 'calloc'
  | 'realloc'
  | 'reallocarray'
  | 'memalign'
  | 'posix_memalign'
  | 'aligned_alloc'
  | 'valloc'
  | 'pvalloc'
  | 'free';

const CALL_BY_KIND: Record<string, RawCall> = {
  M: 'malloc',
  C: 'calloc',
  R: 'realloc',
  Y: 'reallocarray',
  L: 'memalign',
  P: 'posix_memalign',
  G: 'aligned_alloc',
  V: 'valloc',
  W: 'pvalloc',
  F: 'free',
};

/** Skip reasons (also the keys of `RawLogStats.skipped`). */
export const SKIP_FREE_NULL = 'free(NULL)';
export const SKIP_FREE_UNKNOWN = 'free of an unknown pointer';
export const SKIP_FAILED = 'failed allocation (NULL result)';
export const SKIP_REALLOC_FAILED = 'failed realloc (block left in place)';
export const SKIP_REALLOC_UNKNOWN = 'realloc of an unknown pointer (recorded as an allocation)';
export const SKIP_REALLOC0_UNKNOWN = 'realloc(p, 0) of an unknown pointer';
export const SKIP_LIVE_ADDRESS = 'allocation at a live address (missed free: freed implicitly)';
export const SKIP_TRUNCATED = 'truncated last record (process died while writing)';

/** Decodes a header field escaped by the interposer (\\, \n, \xHH). */
export function unescapeField(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[i + 1];
    if (n === 'n') {
      out += '\n';
      i++;
    } else if (n === 'x' && i + 3 < s.length) {
      out += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      out += n;
      i++;
    }
  }
  return out;
}

/** Quotes argv for display as a POSIX shell command line. */
export function shellQuote(args: readonly string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** A min-heap of free ids: the smallest freed id is handed out first. */
class IdPool {
  private heap: number[] = [];
  private next = 0;

  take(): number {
    const h = this.heap;
    if (h.length === 0) return this.next++;
    const top = h[0] as number;
    const last = h.pop() as number;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && (h[r] as number) < (h[l] as number) ? r : l;
        if ((h[c] as number) >= last) break;
        h[i] = h[c] as number;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  /** Restarts the pool with exactly `liveIds` in use (every smaller id free). */
  reset(liveIds: readonly number[]): void {
    const used = new Set(liveIds);
    let max = -1;
    for (const id of liveIds) if (id > max) max = id;
    this.heap = [];
    this.next = max + 1;
    for (let id = 0; id <= max; id++) if (!used.has(id)) this.heap.push(id); // ascending = a valid heap
  }

  give(id: number): void {
    const h = this.heap;
    let i = h.length;
    h.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((h[p] as number) <= id) break;
      h[i] = h[p] as number;
      i = p;
    }
    h[i] = id;
  }
}

const DEC = /^[0-9]+$/;
const HEX = /^[0-9a-fA-F]+$/;

/** Converts one raw log, line by line, into native ops on `sink`. */
export class RawLogConverter {
  readonly meta: RawLogMeta = { version: 0, pid: 0, ppid: 0, image: 0, forked: false, pageSize: 0, pointerBytes: 0, exe: '', args: [], forkedFrom: null };
  readonly stats: RawLogStats;
  private readonly file: string;
  private readonly sink: OpSink;
  private readonly live = new Map<string, number>();
  /** Requested size by id (for live ids). */
  private readonly sizes: number[] = [];
  private readonly ids = new IdPool();
  private readonly opts: RawLogOptions;
  private seq = 0;
  private inHeader = true;
  private ended = false;

  constructor(file: string, sink: OpSink, opts: RawLogOptions = {}) {
    this.file = file;
    this.sink = sink;
    this.opts = opts;
    const calls = {} as Record<RawCall, number>;
    for (const k of Object.values(CALL_BY_KIND)) calls[k] = 0;
    this.stats = { calls, allocs: 0, frees: 0, reallocs: 0, aligned: 0, maxAlign: 0, skipped: new Map(), liveAtEnd: 0, truncated: false, inherited: 0, inheritedBytes: 0 };
  }

  private fail(lineNo: number, why: string): never {
    throw new SimError('TRACE_SYNTAX', why, { file: this.file, line: lineNo });
  }

  private skip(reason: string, lineNo: number): void {
    this.stats.skipped.set(reason, (this.stats.skipped.get(reason) ?? 0) + 1);
    this.sink.skip(reason, lineNo);
  }

  private headerLine(text: string, lineNo: number): void {
    const body = text.slice(1).trim();
    const sp = body.indexOf(' ');
    const key = sp < 0 ? body : body.slice(0, sp);
    const value = sp < 0 ? '' : body.slice(sp + 1);
    const m = this.meta;
    const num = (): number => {
      if (!DEC.test(value)) this.fail(lineNo, `raw log header "${key}" needs a number, got "${value}"`);
      return Number(value);
    };
    switch (key) {
      case 'rmalloc-rec':
        m.version = num();
        if (m.version !== 1) this.fail(lineNo, `raw log version ${m.version} is not supported (expected 1)`);
        break;
      case 'pid':
        m.pid = num();
        break;
      case 'ppid':
        m.ppid = num();
        break;
      case 'image':
        m.image = num();
        break;
      case 'forked':
        m.forked = num() !== 0;
        break;
      case 'pagesize':
        m.pageSize = num();
        break;
      case 'pointer-bytes':
        m.pointerBytes = num();
        break;
      case 'exe':
        m.exe = unescapeField(value);
        break;
      case 'arg':
        m.args.push(unescapeField(value));
        break;
      case 'forked-from': {
        const f = value.split(' ');
        if (f.length !== 3 || !f.every((x) => DEC.test(x))) this.fail(lineNo, `raw log header "forked-from" needs "<pid> <image> <seq>", got "${value}"`);
        m.forkedFrom = { pid: Number(f[0]), image: Number(f[1]), seq: Number(f[2]) };
        break;
      }
      default:
        break; // unknown header keys are kept for forward compatibility
    }
  }

  private endHeader(): void {
    this.inHeader = false;
    const m = this.meta;
    if (m.exe) this.sink.comment(`program: ${m.exe}`);
    if (m.args.length) this.sink.comment(`command: ${shellQuote(m.args)}`);
    if (m.pointerBytes) this.sink.comment(`pointer-bytes: ${m.pointerBytes}`);
    this.sink.comment(`pid: ${m.pid} (parent ${m.ppid}${m.forked ? ', fork child' : ''}${m.image ? `, image ${m.image} after exec` : ''})`);
    if (m.forkedFrom && this.opts.inherit) {
      const blocks = this.opts.inherit(m);
      if (blocks === null) {
        this.sink.comment('inherited: unknown (the parent log is missing): frees of inherited blocks are skipped');
        return;
      }
      const sorted = [...blocks].sort((a, b) => a.id - b.id);
      for (const b of sorted) {
        this.live.set(b.addr, b.id);
        this.sizes[b.id] = b.size;
        this.stats.inheritedBytes += b.size;
      }
      this.ids.reset(sorted.map((b) => b.id));
      this.stats.inherited = sorted.length;
      this.sink.comment(`inherited: ${sorted.length} blocks (${this.stats.inheritedBytes} bytes) live in the parent at the fork, allocated by the first ${sorted.length} ops`);
      for (const b of sorted) {
        this.sink.op(OP_ALLOC, b.id, b.size, 0);
        this.stats.allocs++;
      }
    } else if (m.forkedFrom) {
      this.sink.comment('inherited: blocks live in the parent at the fork are not in this trace (rmalloc-sim record, which sees the parent log, includes them)');
    }
  }

  /** The blocks live now (after the records read so far), with their ids and sizes. */
  liveBlocks(): InheritedBlock[] {
    const out: InheritedBlock[] = [];
    for (const [addr, id] of this.live) out.push({ addr, id, size: this.sizes[id] as number });
    return out;
  }

  private newId(addr: string, size: number, lineNo: number): void {
    const old = this.live.get(addr);
    if (old !== undefined) {
      this.skip(SKIP_LIVE_ADDRESS, lineNo);
      this.sink.op(OP_FREE, old, 0, lineNo);
      this.stats.frees++;
      this.ids.give(old);
    }
    const id = this.ids.take();
    this.live.set(addr, id);
    this.sizes[id] = size;
    this.sink.op(OP_ALLOC, id, size, lineNo);
    this.stats.allocs++;
  }

  private dropId(addr: string, id: number, lineNo: number): void {
    this.live.delete(addr);
    this.ids.give(id);
    this.sink.op(OP_FREE, id, 0, lineNo);
    this.stats.frees++;
  }

  line(raw: string, lineNo: number): void {
    if (this.ended) return;
    let text = raw;
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      // Unused mapping space, possibly after a record cut short by a crash: the log ends here.
      text = text.slice(0, nul).trim();
      this.ended = true;
      if (text.length > 0) {
        this.stats.truncated = true;
        this.skip(SKIP_TRUNCATED, lineNo);
      }
      return;
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.length === 0) return;
    if (text.charCodeAt(0) === 35 /* # */) {
      if (this.inHeader) this.headerLine(text, lineNo);
      return;
    }
    if (this.inHeader) {
      if (this.meta.version === 0) this.fail(lineNo, 'not a recorder raw log: the "# rmalloc-rec 1" header is missing');
      this.endHeader();
    }
    const f = text.split(' ');
    const [seqS, kind, retS, sizeS, extraS] = f;
    if (f.length < 4 || f.length > 5) this.fail(lineNo, `expected "<seq> <kind> <ret> <size> [<extra>]", got "${text}"`);
    if (!DEC.test(seqS as string)) this.fail(lineNo, `bad sequence number "${seqS}"`);
    const seq = Number(seqS);
    if (this.opts.stopAtSeq !== undefined && seq >= this.opts.stopAtSeq) {
      this.ended = true;
      return;
    }
    if (seq !== this.seq) this.fail(lineNo, `sequence number ${seq} out of order (expected ${this.seq})`);
    this.seq++;
    const call = CALL_BY_KIND[kind as string];
    if (call === undefined) this.fail(lineNo, `unknown record kind "${kind}"`);
    if (!HEX.test(retS as string)) this.fail(lineNo, `bad address "${retS}"`);
    if (!DEC.test(sizeS as string)) this.fail(lineNo, `bad size "${sizeS}"`);
    const wantsExtra = kind !== 'M' && kind !== 'C' && kind !== 'F';
    if (wantsExtra !== (extraS !== undefined)) this.fail(lineNo, `record kind ${kind} ${wantsExtra ? 'needs' : 'takes no'} fifth field`);
    const isRealloc = kind === 'R' || kind === 'Y';
    if (extraS !== undefined && !(isRealloc ? HEX : DEC).test(extraS)) this.fail(lineNo, `bad ${isRealloc ? 'old pointer' : 'alignment'} "${extraS}"`);
    this.stats.calls[call]++;
    const ret = normHex(retS as string);
    const size = Number(sizeS);

    if (kind === 'F') {
      if (ret === '0') return this.skip(SKIP_FREE_NULL, lineNo);
      const id = this.live.get(ret);
      if (id === undefined) return this.skip(SKIP_FREE_UNKNOWN, lineNo);
      this.dropId(ret, id, lineNo);
      return;
    }

    if (!isRealloc) {
      if (ret === '0') return this.skip(SKIP_FAILED, lineNo);
      if (size > Number.MAX_SAFE_INTEGER) this.fail(lineNo, `size ${sizeS} is over 2^53`);
      if (extraS !== undefined) {
        this.stats.aligned++;
        const align = Number(extraS);
        if (align > this.stats.maxAlign) this.stats.maxAlign = align;
      }
      this.newId(ret, size, lineNo);
      return;
    }

    const old = normHex(extraS as string);
    if (old === '0') {
      if (ret === '0') return this.skip(SKIP_REALLOC_FAILED, lineNo);
      this.newId(ret, size, lineNo); // realloc(NULL, n) = malloc(n)
      return;
    }
    const id = this.live.get(old);
    if (id === undefined) {
      if (ret === '0') return this.skip(size === 0 ? SKIP_REALLOC0_UNKNOWN : SKIP_REALLOC_FAILED, lineNo);
      this.skip(SKIP_REALLOC_UNKNOWN, lineNo);
      this.newId(ret, size, lineNo);
      return;
    }
    if (size === 0) {
      this.dropId(old, id, lineNo); // realloc(p, 0) = free(p)
      if (ret !== '0') this.newId(ret, 0, lineNo); // an allocator that returns a minimum block
      return;
    }
    if (ret === '0') return this.skip(SKIP_REALLOC_FAILED, lineNo);
    if (size > Number.MAX_SAFE_INTEGER) this.fail(lineNo, `size ${sizeS} is over 2^53`);
    if (ret !== old) {
      this.live.delete(old);
      const clash = this.live.get(ret);
      if (clash !== undefined) {
        this.skip(SKIP_LIVE_ADDRESS, lineNo);
        this.dropId(ret, clash, lineNo);
      }
      this.live.set(ret, id);
    }
    this.sizes[id] = size;
    this.sink.op(OP_REALLOC, id, size, lineNo);
    this.stats.reallocs++;
  }

  end(): void {
    if (this.inHeader && this.meta.version !== 0) this.endHeader();
    this.stats.liveAtEnd = this.live.size;
  }
}

function normHex(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48 /* 0 */) i++;
  return (i ? s.slice(i) : s).toLowerCase();
}

export const rawlogImporter: Importer = {
  name: 'rawlog',
  description: "the recorder's raw log (scripts/recorder/interpose.c, `# rmalloc-rec 1`)",
  detect(head: readonly string[]): boolean {
    return /^# rmalloc-rec \d+\s*$/.test(head[0] ?? '');
  },
  create(file: string, sink: OpSink) {
    const c = new RawLogConverter(file, sink);
    return { line: (text: string, lineNo: number) => c.line(text, lineNo), end: () => c.end() };
  },
};
