/**
 * The rmalloc thesis formats (Mikael Jansson, "Jeff" allocator, Chalmers 2015; its benchmark
 * tool "Steve"). Read from the thesis text and its tools (translate-memtrace-to-ops.py,
 * blocks.pyx, translate-ops-to-locking-lifetime.py); no code or data copied.
 *
 * memtrace: the output of the thesis' patched valgrind memcheck. Lines starting `>>> `:
 *   >>> N <addr> <size>    a new block (malloc) of size bytes at addr
 *   >>> F <addr> 0         free of the block at addr
 *   >>> L|S|M <addr> <n>   a load, store or modify of n bytes at addr
 * Addresses are decimal (0x hex is accepted too). Every other line (valgrind's own output,
 * and the program's after valgrind's banner) is ignored, as the thesis' tools did; but a file
 * that opens with a line that is neither is another format (a syntax error naming that line),
 * and one without a single `>>>` line is an error, never an empty trace. An access maps to the live block whose byte range
 * [addr, addr+size) contains it and becomes an access op (`x id L|S|M`), which lock inference
 * uses; an access outside every live block is skipped and counted (benign: the patched tool
 * logged everything between the lowest and highest heap address, holes included).
 *
 * ops file: `<handle> <op> <addr> <size>` per line, op N, F, L, S, M as above with handles
 * already assigned; the "lockops" variants add `<handle> L 0 0` (lock) and `<handle> U 0 0`
 * (unlock). Reading: `L` with address 0 and size 0 is a lock, any other `L` a load; `U` is an
 * unlock. Handles are remapped to compact ids (they are never reused in the thesis files).
 *
 * Both: free of an unknown address or handle is skipped and counted; a new block at a live
 * address (a missed free) frees the earlier block first and is counted; free(NULL) (address 0)
 * is benign.
 */
import { SimError } from '../errors';
import { OP_ACCESS, OP_ALLOC, OP_FREE, OP_LOCK, OP_UNLOCK, type Importer, type OpSink } from './types';
import { IdPool, clip, fields, parseCount } from './import-util';
import { ANY_VG } from './import-valgrind';

/** Access letter → access kind (arg of OP_ACCESS). */
const ACCESS: Record<string, number> = { L: 0, S: 1, M: 2 };

/** Page size of the block index: each block is listed in every page it touches. */
const PAGE = 256;
/** Blocks spanning more pages than this are kept in a short list scanned on a miss. */
const MAX_PAGES = 1024;

/** Live blocks by byte range, for mapping an access address to its block. */
class BlockIndex {
  private starts = new Map<number, number>();
  private pages = new Map<number, number[]>();
  private big: number[] = [];
  private lo: number[] = [];
  private hi: number[] = [];
  private readonly pool = new IdPool();

  /** The id of the live block starting at addr, or -1. */
  at(addr: number): number {
    const v = this.starts.get(addr);
    return v === undefined ? -1 : v;
  }

  add(addr: number, size: number): number {
    const id = this.pool.take();
    this.starts.set(addr, id);
    this.lo[id] = addr;
    this.hi[id] = addr + size;
    if (size > 0) {
      const p0 = Math.floor(addr / PAGE);
      const p1 = Math.floor((addr + size - 1) / PAGE);
      if (p1 - p0 >= MAX_PAGES) this.big.push(id);
      else
        for (let p = p0; p <= p1; p++) {
          const b = this.pages.get(p);
          if (b === undefined) this.pages.set(p, [id]);
          else b.push(id);
        }
    }
    return id;
  }

  remove(addr: number): number {
    const id = this.at(addr);
    if (id < 0) return -1;
    this.starts.delete(addr);
    const lo = this.lo[id]!;
    const hi = this.hi[id]!;
    if (hi > lo) {
      const p0 = Math.floor(lo / PAGE);
      const p1 = Math.floor((hi - 1) / PAGE);
      if (p1 - p0 >= MAX_PAGES) dropFrom(this.big, id);
      else
        for (let p = p0; p <= p1; p++) {
          const b = this.pages.get(p)!;
          dropFrom(b, id);
          if (b.length === 0) this.pages.delete(p);
        }
    }
    this.pool.give(id);
    return id;
  }

  /** The live block containing addr (the newest one if ranges overlap), or -1. */
  find(addr: number): number {
    const b = this.pages.get(Math.floor(addr / PAGE));
    if (b !== undefined)
      for (let i = b.length - 1; i >= 0; i--) {
        const id = b[i]!;
        if (addr >= this.lo[id]! && addr < this.hi[id]!) return id;
      }
    for (const id of this.big) if (addr >= this.lo[id]! && addr < this.hi[id]!) return id;
    return -1;
  }
}

function dropFrom(a: number[], id: number): void {
  const i = a.lastIndexOf(id);
  if (i >= 0) {
    a[i] = a[a.length - 1]!;
    a.pop();
  }
}

const MEMTRACE_LINE = /^>>> [NFLSM] (?:\d+|0x[0-9a-fA-F]+) \d+\s*$/;

export const memtraceImporter: Importer = {
  name: 'memtrace',
  description: 'rmalloc thesis memtrace (">>> N|F|L|S|M addr size" lines from the patched memcheck)',

  detect(head: readonly string[]): boolean {
    return head.some((l) => MEMTRACE_LINE.test(l));
  },

  create(file: string, sink: OpSink) {
    const blocks = new BlockIndex();
    let started = false;
    let sawValgrind = false;
    return {
      line(text: string, n: number): void {
        if (!text.startsWith('>>>')) {
          if (ANY_VG.test(text)) sawValgrind = true;
          else if (!sawValgrind && !started && text.trim() !== '')
            throw new SimError('TRACE_SYNTAX', `not a memtrace line (no ">>> " or valgrind prefix): "${clip(text.trim())}"`, { file, line: n });
          return;
        }
        if (!started) {
          sink.comment('imported from rmalloc thesis memtrace');
          started = true;
        }
        const t = fields(text.slice(3));
        if (t.length === 0) throw new SimError('TRACE_SYNTAX', 'missing memtrace op (N, F, L, S or M)', { file, line: n });
        if (t.length > 3) throw new SimError('TRACE_SYNTAX', `unexpected extra field "${clip(t[3]!)}"`, { file, line: n });
        const op = t[0]!;
        const addr = parseCount(t[1], 'address', file, n, { hexOk: true });
        const size = parseCount(t[2], 'size', file, n);
        switch (op) {
          case 'N': {
            const old = blocks.remove(addr);
            if (old >= 0) {
              sink.skip('allocation at a live address (missed free): earlier block freed', n);
              sink.op(OP_FREE, old, 0, n);
            }
            sink.op(OP_ALLOC, blocks.add(addr, size), size, n);
            return;
          }
          case 'F': {
            if (addr === 0) return sink.skip('free(NULL)', n, true);
            const id = blocks.remove(addr);
            if (id < 0) return sink.skip('free of an unknown pointer', n);
            sink.op(OP_FREE, id, 0, n);
            return;
          }
          case 'L':
          case 'S':
          case 'M': {
            const id = blocks.find(addr);
            if (id < 0) return sink.skip('access outside any live block', n, true);
            sink.op(OP_ACCESS, id, ACCESS[op]!, n);
            return;
          }
          default:
            throw new SimError('TRACE_SYNTAX', `unknown memtrace op "${clip(op)}" (N, F, L, S or M)`, { file, line: n });
        }
      },
      end(): void {
        if (!started) throw new SimError('TRACE_FORMAT', 'no ">>> " line in the file: not an rmalloc thesis memtrace', { file });
      },
    };
  },
};

const OPS_LINE = /^\s*\d+\s+[NFLSMU]\s+\d+\s+\d+\s*$/;

export const opsImporter: Importer = {
  name: 'ops',
  description: 'rmalloc thesis ops / lockops file ("handle op addr size"; op N F L S M U)',

  detect(head: readonly string[]): boolean {
    return head.length > 0 && head.every((l) => OPS_LINE.test(l) || l.trim().startsWith('#'));
  },

  create(file: string, sink: OpSink) {
    const ids = new Map<number, number>();
    const pool = new IdPool();
    let started = false;
    return {
      line(text: string, n: number): void {
        const t = fields(text);
        if (t.length === 0) return;
        if (t[0]!.startsWith('#')) {
          sink.comment(text.trim().slice(1).trimStart());
          return;
        }
        if (!started) {
          sink.comment('imported from rmalloc thesis ops file');
          started = true;
        }
        if (t.length < 4) throw new SimError('TRACE_SYNTAX', `missing ${['handle', 'op', 'address', 'size'][t.length]}`, { file, line: n });
        if (t.length > 4) throw new SimError('TRACE_SYNTAX', `unexpected extra field "${clip(t[4]!)}"`, { file, line: n });
        const handle = parseCount(t[0], 'handle', file, n, { max: Number.MAX_SAFE_INTEGER });
        const op = t[1]!;
        const addr = parseCount(t[2], 'address', file, n, { hexOk: true });
        const size = parseCount(t[3], 'size', file, n);
        const id = ids.get(handle);
        if (op === 'L' && addr === 0 && size === 0) {
          if (id === undefined) return sink.skip('lock of an unknown handle', n);
          sink.op(OP_LOCK, id, 0, n);
          return;
        }
        switch (op) {
          case 'N': {
            if (id !== undefined) return sink.skip('allocation of a live handle', n);
            const nid = pool.take();
            ids.set(handle, nid);
            sink.op(OP_ALLOC, nid, size, n);
            return;
          }
          case 'F':
            if (id === undefined) return sink.skip('free of an unknown handle', n);
            ids.delete(handle);
            pool.give(id);
            sink.op(OP_FREE, id, 0, n);
            return;
          case 'U':
            if (id === undefined) return sink.skip('unlock of an unknown handle', n);
            sink.op(OP_UNLOCK, id, 0, n);
            return;
          case 'L':
          case 'S':
          case 'M':
            if (id === undefined) return sink.skip('access to an unknown handle', n);
            sink.op(OP_ACCESS, id, ACCESS[op]!, n);
            return;
          default:
            throw new SimError('TRACE_SYNTAX', `unknown ops-file op "${clip(op)}" (N, F, L, S, M or U)`, { file, line: n });
        }
      },
      end(): void {},
    };
  },
};
