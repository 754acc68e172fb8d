/**
 * Small helpers shared by the importers: compact id allocation for address-level formats,
 * an address → id map, and strict number parsing for text fields.
 */
import { SimError } from '../errors';
import { OP_FREE, OP_REALLOC } from './types';
import type { OpSink } from './types';

/** 2^53: the largest size a trace may request (exactly representable in a double). */
export const MAX_SIZE = 2 ** 53;

/**
 * Hands out ids for address-level formats: a freed id is reused smallest-first, so the id
 * space stays as compact as the peak number of live blocks (the engine indexes by id).
 */
export class IdPool {
  private heap: number[] = [];
  private next = 0;

  take(): number {
    const h = this.heap;
    if (h.length === 0) return this.next++;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      // sift down
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && h[r]! < h[l]! ? r : l;
        if (h[c]! >= last) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  give(id: number): void {
    const h = this.heap;
    let i = h.length;
    h.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= id) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = id;
  }
}

/**
 * Live blocks of an address-level format, keyed by the normalised address text (so 64-bit
 * addresses never lose precision), each with a compact id from an IdPool.
 */
export class AddressMap {
  private map = new Map<string, number>();
  private pool = new IdPool();

  get size(): number {
    return this.map.size;
  }

  /** The id of the live block at `addr`, or -1. */
  get(addr: string): number {
    const v = this.map.get(addr);
    return v === undefined ? -1 : v;
  }

  /** Registers a new block at `addr` and returns its fresh id. */
  add(addr: string): number {
    const id = this.pool.take();
    this.map.set(addr, id);
    return id;
  }

  /** Moves the live block `id` from `from` to `to` (a realloc that moved). */
  move(from: string, to: string, id: number): void {
    this.map.delete(from);
    this.map.set(to, id);
  }

  /**
   * A realloc of live block `id` at `from` returned `to`: when another live block sits at `to`
   * its free was missed, so that block is freed first (skipped-and-counted, then an `f`); then
   * the block moves and the realloc is emitted.
   */
  realloc(sink: OpSink, id: number, from: string, to: string, size: number, line: number): void {
    if (to !== from) {
      const other = this.get(to);
      if (other >= 0) {
        this.remove(to);
        sink.skip('allocation at a live address (missed free): earlier block freed', line);
        sink.op(OP_FREE, other, 0, line);
      }
      this.move(from, to, id);
    }
    sink.op(OP_REALLOC, id, size, line);
  }

  /** Forgets the block at `addr` and returns its id (-1 when unknown). */
  remove(addr: string): number {
    const v = this.map.get(addr);
    if (v === undefined) return -1;
    this.map.delete(addr);
    this.pool.give(v);
    return v;
  }
}

/**
 * Normalises a hexadecimal address (`0x7F0A`, `7f0a`, `0x0007f0a`) to lower case without
 * prefix or leading zeros; `0x0`, `(nil)` and `0` give '0'. Returns null if not an address.
 */
export function normHexAddr(tok: string): string | null {
  let s = tok;
  if (s === '(nil)' || s === 'NULL' || s === '(null)') return '0';
  if (s.length > 1 && s.charCodeAt(0) === 48 && (s.charCodeAt(1) | 32) === 120) s = s.slice(2);
  if (s.length === 0 || !/^[0-9a-fA-F]+$/.test(s)) return null;
  s = s.toLowerCase().replace(/^0+/, '');
  return s === '' ? '0' : s;
}

/**
 * Parses a non-negative integer field: decimal digits, or hexadecimal with a 0x prefix when
 * `hexOk`. Throws SimError('TRACE_SYNTAX') naming the field on anything else, a negative, or
 * a value over `max` (default 2^53).
 */
export function parseCount(
  tok: string | undefined,
  field: string,
  file: string,
  line: number,
  opts: { hexOk?: boolean; max?: number } = {},
): number {
  const max = opts.max ?? MAX_SIZE;
  if (tok === undefined || tok === '') throw new SimError('TRACE_SYNTAX', `missing ${field}`, { file, line });
  let v: bigint;
  if (/^[0-9]+$/.test(tok)) v = BigInt(tok);
  else if (opts.hexOk && /^0[xX][0-9a-fA-F]+$/.test(tok)) v = BigInt(tok);
  else if (/^-[0-9]+$/.test(tok) || (opts.hexOk && /^-0[xX][0-9a-fA-F]+$/.test(tok)))
    throw new SimError('TRACE_SYNTAX', `negative ${field}: ${tok}`, { file, line });
  else throw new SimError('TRACE_SYNTAX', `${field} is not a number: "${clip(tok)}"`, { file, line });
  if (v > BigInt(max)) throw new SimError('TRACE_SYNTAX', `${field} over ${max === MAX_SIZE ? '2^53' : String(max)}: ${clip(tok)}`, { file, line });
  return Number(v);
}

/** Shortens a token for an error message. */
export function clip(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

/** Splits a line on runs of spaces and tabs, ignoring leading and trailing blanks. */
export function fields(text: string): string[] {
  const t = text.trim();
  return t === '' ? [] : t.split(/[ \t]+/);
}
