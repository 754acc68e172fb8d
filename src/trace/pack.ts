/**
 * Packed op columns (issue 15 item 6: a trace held for many replays costs at most 16 bytes per
 * op).
 *
 * How it works. A packed trace is four parallel columns: kind (Uint8Array) and id, arg and line
 * (NumColumn). A number column is a Uint32Array when every value is an integer in [0, 2^32)
 * (ids, sizes and line numbers of every real trace: exact, the same numbers) and a Float64Array
 * otherwise, per column, so a held trace costs 13 bytes per op (1 + 3 × 4), 25 at most.
 *
 * Every column is allocated here, in a SharedArrayBuffer: the worker pool (src/sim/parallel.ts)
 * hands the very same memory to its workers, so a trace costs one copy in the whole process
 * however many threads replay it (shared memory reads as fast as private memory).
 *
 * The bytes allocated here are counted (packedBytesAllocated) so a test or a benchmark can see
 * that a loader allocated its final arrays once and nothing beside them.
 */
import type { NumColumn, PackedOps } from './types';

let allocated = 0;

/** Bytes of op columns allocated through this module since the process started. */
export function packedBytesAllocated(): number {
  return allocated;
}

/** A kind column of n ops in shared memory. */
export function newKinds(n: number): Uint8Array {
  allocated += n;
  return new Uint8Array(new SharedArrayBuffer(Math.max(1, n)), 0, n);
}

/** A number column of n values in shared memory: Uint32 when `narrow`, else Float64. */
export function newColumn(n: number, narrow: boolean): NumColumn {
  const size = narrow ? 4 : 8;
  allocated += n * size;
  const buf = new SharedArrayBuffer(Math.max(size, n * size));
  return narrow ? new Uint32Array(buf, 0, n) : new Float64Array(buf, 0, n);
}

/** Which number columns are narrow (Uint32). */
export interface ColumnWidths {
  id: boolean;
  arg: boolean;
  line: boolean;
}

/** Empty ops of length n with the given column widths (all in shared memory). */
export function newOps(n: number, narrow: ColumnWidths): PackedOps {
  return { n, kind: newKinds(n), id: newColumn(n, narrow.id), arg: newColumn(n, narrow.arg), line: newColumn(n, narrow.line) };
}

/** Whether every value of a[from, to) is an integer in [0, 2^32): the column packs into a Uint32Array exactly. */
export function fitsU32(a: NumColumn, from: number, to: number): boolean {
  if (a instanceof Uint32Array) return true;
  for (let i = from; i < to; i++) {
    const v = a[i]!;
    if (!(v >= 0 && v <= 0xffffffff && Math.floor(v) === v) || Object.is(v, -0)) return false;
  }
  return true;
}

/** The widths that hold ops[0, n) exactly. */
export function widthsOf(ops: PackedOps): ColumnWidths {
  const n = ops.n;
  return { id: fitsU32(ops.id, 0, n), arg: fitsU32(ops.arg, 0, n), line: fitsU32(ops.line, 0, n) };
}

/**
 * Ops in exact-length shared arrays with each number column as narrow as its values allow (13
 * bytes per op when ids, sizes and lines fit 32 bits, as in every real trace; 25 at most).
 */
export function narrowOps(b: PackedOps): PackedOps {
  const n = b.n;
  const out = newOps(n, widthsOf(b));
  copyOps(b, 0, n, out, 0);
  return out;
}

/** Copies src[from, to) into dst from index `at`. */
export function copyOps(src: PackedOps, from: number, to: number, dst: PackedOps, at: number): void {
  dst.kind.set(src.kind.subarray(from, to), at);
  dst.id.set(src.id.subarray(from, to), at);
  dst.arg.set(src.arg.subarray(from, to), at);
  dst.line.set(src.line.subarray(from, to), at);
}

/** Whether every column of `ops` already lives in shared memory (the pool can hand it over as it is). */
export function isShared(ops: PackedOps): boolean {
  return [ops.kind, ops.id, ops.arg, ops.line].every((c) => c.buffer instanceof SharedArrayBuffer && c.length === ops.n);
}

/**
 * Collects batches into one set of columns when the op count is not known in advance (a trace
 * parsed from a string): each batch is narrowed into a chunk and finish() copies the chunks into
 * exact-length columns. That holds two copies for a moment; files are loaded with a counting
 * pass instead (src/trace/reader.ts loadTrace), straight into their final columns.
 */
export class OpPacker {
  private chunks: PackedOps[] = [];
  private total = 0;

  add(src: PackedOps): void {
    if (src.n === 0) return;
    this.chunks.push(narrowOps(src));
    this.total += src.n;
  }

  /** The packed ops, exactly `n` long. */
  finish(): PackedOps {
    const chunks = this.chunks;
    this.chunks = [];
    if (chunks.length === 1) return chunks[0]!;
    const out = newOps(this.total, {
      id: chunks.every((c) => c.id instanceof Uint32Array),
      arg: chunks.every((c) => c.arg instanceof Uint32Array),
      line: chunks.every((c) => c.line instanceof Uint32Array),
    });
    let at = 0;
    for (const c of chunks) {
      copyOps(c, 0, c.n, out, at);
      at += c.n;
    }
    return out;
  }
}
