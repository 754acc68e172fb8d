"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AddressCalls = exports.AddressMap = exports.IdPool = exports.MAX_SIZE = void 0;
exports.normHexAddr = normHexAddr;
exports.parseCount = parseCount;
exports.clip = clip;
exports.fields = fields;
/**
 * Small helpers shared by the importers: compact id allocation for address-level formats,
 * an address → id map, and strict number parsing for text fields.
 */
const errors_1 = require("../errors");
const types_1 = require("./types");
/** 2^53: the largest size a trace may request (exactly representable in a double). */
exports.MAX_SIZE = 2 ** 53;
/**
 * Hands out ids for address-level formats: a freed id is reused smallest-first, so the id
 * space stays as compact as the peak number of live blocks (the engine indexes by id).
 */
class IdPool {
    heap = [];
    next = 0;
    take() {
        const h = this.heap;
        if (h.length === 0)
            return this.next++;
        const top = h[0];
        const last = h.pop();
        if (h.length > 0) {
            // sift down
            let i = 0;
            const n = h.length;
            for (;;) {
                const l = 2 * i + 1;
                if (l >= n)
                    break;
                const r = l + 1;
                const c = r < n && h[r] < h[l] ? r : l;
                if (h[c] >= last)
                    break;
                h[i] = h[c];
                i = c;
            }
            h[i] = last;
        }
        return top;
    }
    give(id) {
        const h = this.heap;
        let i = h.length;
        h.push(id);
        while (i > 0) {
            const p = (i - 1) >> 1;
            if (h[p] <= id)
                break;
            h[i] = h[p];
            i = p;
        }
        h[i] = id;
    }
}
exports.IdPool = IdPool;
/**
 * Live blocks of an address-level format, keyed by the normalised address text (so 64-bit
 * addresses never lose precision), each with a compact id from an IdPool.
 */
class AddressMap {
    map = new Map();
    pool = new IdPool();
    get size() {
        return this.map.size;
    }
    /** The id of the live block at `addr`, or -1. */
    get(addr) {
        const v = this.map.get(addr);
        return v === undefined ? -1 : v;
    }
    /** Registers a new block at `addr` and returns its fresh id. */
    add(addr) {
        const id = this.pool.take();
        this.map.set(addr, id);
        return id;
    }
    /** Moves the live block `id` from `from` to `to` (a realloc that moved). */
    move(from, to, id) {
        this.map.delete(from);
        this.map.set(to, id);
    }
    /**
     * A realloc of live block `id` at `from` returned `to`: when another live block sits at `to`
     * its free was missed, so that block is freed first (skipped-and-counted, then an `f`); then
     * the block moves and the realloc is emitted.
     */
    realloc(sink, id, from, to, size, line) {
        if (to !== from) {
            const other = this.get(to);
            if (other >= 0) {
                this.remove(to);
                sink.skip('allocation at a live address (missed free): earlier block freed', line);
                sink.op(types_1.OP_FREE, other, 0, line);
            }
            this.move(from, to, id);
        }
        sink.op(types_1.OP_REALLOC, id, size, line);
    }
    /** Forgets the block at `addr` and returns its id (-1 when unknown). */
    remove(addr) {
        const v = this.map.get(addr);
        if (v === undefined)
            return -1;
        this.map.delete(addr);
        this.pool.give(v);
        return v;
    }
}
exports.AddressMap = AddressMap;
/**
 * Normalises a hexadecimal address (`0x7F0A`, `7f0a`, `0x0007f0a`) to lower case without
 * prefix or leading zeros; `0x0`, `(nil)` and `0` give '0'. Returns null if not an address.
 */
function normHexAddr(tok) {
    let s = tok;
    if (s === '(nil)' || s === 'NULL' || s === '(null)')
        return '0';
    if (s.length > 1 && s.charCodeAt(0) === 48 && (s.charCodeAt(1) | 32) === 120)
        s = s.slice(2);
    if (s.length === 0 || !/^[0-9a-fA-F]+$/.test(s))
        return null;
    s = s.toLowerCase().replace(/^0+/, '');
    return s === '' ? '0' : s;
}
/**
 * Parses a non-negative integer field: decimal digits, or hexadecimal with a 0x prefix when
 * `hexOk`. Throws SimError('TRACE_SYNTAX') naming the field on anything else, a negative, or
 * a value over `max` (default 2^53; Infinity only checks the spelling, for sizes of calls that
 * failed and are never replayed: the result is then not exact above 2^53).
 */
function parseCount(tok, field, file, line, opts = {}) {
    const max = opts.max ?? exports.MAX_SIZE;
    if (tok === undefined || tok === '')
        throw new errors_1.SimError('TRACE_SYNTAX', `missing ${field}`, { file, line });
    let v;
    if (/^[0-9]+$/.test(tok))
        v = BigInt(tok);
    else if (opts.hexOk && /^0[xX][0-9a-fA-F]+$/.test(tok))
        v = BigInt(tok);
    else if (/^-[0-9]+$/.test(tok) || (opts.hexOk && /^-0[xX][0-9a-fA-F]+$/.test(tok)))
        throw new errors_1.SimError('TRACE_SYNTAX', `negative ${field}: ${tok}`, { file, line });
    else
        throw new errors_1.SimError('TRACE_SYNTAX', `${field} is not a number: "${clip(tok)}"`, { file, line });
    if (max !== Infinity && v > BigInt(max))
        throw new errors_1.SimError('TRACE_SYNTAX', `${field} over ${max === exports.MAX_SIZE ? '2^53' : String(max)}: ${clip(tok)}`, { file, line });
    return Number(v);
}
/** Shortens a token for an error message. */
function clip(s, n = 40) {
    return s.length > n ? `${s.slice(0, n)}...` : s;
}
/** Splits a line on runs of spaces and tabs, ignoring leading and trailing blanks. */
function fields(text) {
    const t = text.trim();
    return t === '' ? [] : t.split(/[ \t]+/);
}
/**
 * The C heap calls of a pointer-level log (valgrind, ltrace) applied to an AddressMap, with the
 * conventions of design §6: free(NULL) and failed calls are benign skips, a free of an unknown
 * pointer is skipped and counted, realloc(NULL, n) is an allocation, realloc(p, 0) a free (and a
 * fresh 0-byte block if it returned one), a failed realloc keeps p untouched, a realloc of an
 * unknown pointer is imported as an allocation, and a block at a live address frees the earlier
 * one first (a missed free). Sizes of failed calls may exceed 2^53 (they are never replayed);
 * the size of a call that succeeded may not.
 */
class AddressCalls {
    addrs = new AddressMap();
    sink;
    file;
    constructor(sink, file) {
        this.sink = sink;
        this.file = file;
    }
    /** A normalised address, or SimError('TRACE_SYNTAX'). */
    addr(tok, line) {
        const a = tok === undefined ? null : normHexAddr(tok.trim());
        if (a === null)
            throw new errors_1.SimError('TRACE_SYNTAX', tok === undefined ? 'missing address' : `address is not hexadecimal: "${clip(tok.trim())}"`, { file: this.file, line });
        return a;
    }
    checkSize(size, line) {
        if (size > exports.MAX_SIZE)
            throw new errors_1.SimError('TRACE_SYNTAX', `size over 2^53: ${size}`, { file: this.file, line });
    }
    /** Registers a new block at `a` (a still-live block there lost its free) and returns its id. */
    newBlock(a, line) {
        const old = this.addrs.remove(a);
        if (old >= 0) {
            this.sink.skip('allocation at a live address (missed free): earlier block freed', line);
            this.sink.op(types_1.OP_FREE, old, 0, line);
        }
        return this.addrs.add(a);
    }
    free(a, line) {
        if (a === '0')
            return this.sink.skip('free(NULL)', line, true);
        const id = this.addrs.remove(a);
        if (id < 0)
            return this.sink.skip('free of an unknown pointer', line);
        this.sink.op(types_1.OP_FREE, id, 0, line);
    }
    /** An allocation of `size` bytes that returned `result` (an address token). */
    alloc(size, result, line) {
        const a = this.addr(result, line);
        if (a === '0')
            return this.sink.skip('failed allocation (NULL result)', line, true);
        this.checkSize(size, line);
        this.sink.op(types_1.OP_ALLOC, this.newBlock(a, line), size, line);
    }
    /** realloc(ptr, size) that returned `result`. */
    realloc(ptr, size, result, line) {
        const r = this.addr(result, line);
        if (ptr === '0')
            return this.alloc(size, result, line);
        if (size === 0) {
            // realloc(p, 0) frees p (it may also hand back a fresh minimal block).
            this.free(ptr, line);
            if (r !== '0')
                this.sink.op(types_1.OP_ALLOC, this.newBlock(r, line), 0, line);
            return;
        }
        if (r === '0')
            return this.sink.skip('failed realloc (old block kept)', line, true);
        this.checkSize(size, line);
        const id = this.addrs.get(ptr);
        if (id < 0) {
            this.sink.skip('realloc of an unknown pointer: imported as an allocation', line);
            this.sink.op(types_1.OP_ALLOC, this.newBlock(r, line), size, line);
            return;
        }
        this.addrs.realloc(this.sink, id, ptr, r, size, line);
    }
}
exports.AddressCalls = AddressCalls;
