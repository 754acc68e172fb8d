"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.opsImporter = exports.memtraceImporter = void 0;
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
const errors_1 = require("../errors");
const types_1 = require("./types");
const import_util_1 = require("./import-util");
const import_valgrind_1 = require("./import-valgrind");
/** Access letter → access kind (arg of OP_ACCESS). */
const ACCESS = { L: 0, S: 1, M: 2 };
/** Page size of the block index: each block is listed in every page it touches. */
const PAGE = 256;
/** Blocks spanning more pages than this are kept in a short list scanned on a miss. */
const MAX_PAGES = 1024;
/** Live blocks by byte range, for mapping an access address to its block. */
class BlockIndex {
    starts = new Map();
    pages = new Map();
    big = [];
    lo = [];
    hi = [];
    pool = new import_util_1.IdPool();
    /** The id of the live block starting at addr, or -1. */
    at(addr) {
        const v = this.starts.get(addr);
        return v === undefined ? -1 : v;
    }
    add(addr, size) {
        const id = this.pool.take();
        this.starts.set(addr, id);
        this.lo[id] = addr;
        this.hi[id] = addr + size;
        if (size > 0) {
            const p0 = Math.floor(addr / PAGE);
            const p1 = Math.floor((addr + size - 1) / PAGE);
            if (p1 - p0 >= MAX_PAGES)
                this.big.push(id);
            else
                for (let p = p0; p <= p1; p++) {
                    const b = this.pages.get(p);
                    if (b === undefined)
                        this.pages.set(p, [id]);
                    else
                        b.push(id);
                }
        }
        return id;
    }
    remove(addr) {
        const id = this.at(addr);
        if (id < 0)
            return -1;
        this.starts.delete(addr);
        const lo = this.lo[id];
        const hi = this.hi[id];
        if (hi > lo) {
            const p0 = Math.floor(lo / PAGE);
            const p1 = Math.floor((hi - 1) / PAGE);
            if (p1 - p0 >= MAX_PAGES)
                dropFrom(this.big, id);
            else
                for (let p = p0; p <= p1; p++) {
                    const b = this.pages.get(p);
                    dropFrom(b, id);
                    if (b.length === 0)
                        this.pages.delete(p);
                }
        }
        this.pool.give(id);
        return id;
    }
    /** The live block containing addr (the newest one if ranges overlap), or -1. */
    find(addr) {
        const b = this.pages.get(Math.floor(addr / PAGE));
        if (b !== undefined)
            for (let i = b.length - 1; i >= 0; i--) {
                const id = b[i];
                if (addr >= this.lo[id] && addr < this.hi[id])
                    return id;
            }
        for (const id of this.big)
            if (addr >= this.lo[id] && addr < this.hi[id])
                return id;
        return -1;
    }
}
function dropFrom(a, id) {
    const i = a.lastIndexOf(id);
    if (i >= 0) {
        a[i] = a[a.length - 1];
        a.pop();
    }
}
const MEMTRACE_LINE = /^>>> [NFLSM] (?:\d+|0x[0-9a-fA-F]+) \d+\s*$/;
exports.memtraceImporter = {
    name: 'memtrace',
    description: 'rmalloc thesis memtrace (">>> N|F|L|S|M addr size" lines from the patched memcheck)',
    detect(head) {
        return head.some((l) => MEMTRACE_LINE.test(l));
    },
    create(file, sink) {
        const blocks = new BlockIndex();
        let started = false;
        let sawValgrind = false;
        return {
            line(text, n) {
                if (!text.startsWith('>>>')) {
                    if (import_valgrind_1.ANY_VG.test(text))
                        sawValgrind = true;
                    else if (!sawValgrind && !started && text.trim() !== '')
                        throw new errors_1.SimError('TRACE_SYNTAX', `not a memtrace line (no ">>> " or valgrind prefix): "${(0, import_util_1.clip)(text.trim())}"`, { file, line: n });
                    return;
                }
                if (!started) {
                    sink.comment('imported from rmalloc thesis memtrace');
                    started = true;
                }
                const t = (0, import_util_1.fields)(text.slice(3));
                if (t.length === 0)
                    throw new errors_1.SimError('TRACE_SYNTAX', 'missing memtrace op (N, F, L, S or M)', { file, line: n });
                if (t.length > 3)
                    throw new errors_1.SimError('TRACE_SYNTAX', `unexpected extra field "${(0, import_util_1.clip)(t[3])}"`, { file, line: n });
                const op = t[0];
                const addr = (0, import_util_1.parseCount)(t[1], 'address', file, n, { hexOk: true });
                const size = (0, import_util_1.parseCount)(t[2], 'size', file, n);
                switch (op) {
                    case 'N': {
                        const old = blocks.remove(addr);
                        if (old >= 0) {
                            sink.skip('allocation at a live address (missed free): earlier block freed', n);
                            sink.op(types_1.OP_FREE, old, 0, n);
                        }
                        sink.op(types_1.OP_ALLOC, blocks.add(addr, size), size, n);
                        return;
                    }
                    case 'F': {
                        if (addr === 0)
                            return sink.skip('free(NULL)', n, true);
                        const id = blocks.remove(addr);
                        if (id < 0)
                            return sink.skip('free of an unknown pointer', n);
                        sink.op(types_1.OP_FREE, id, 0, n);
                        return;
                    }
                    case 'L':
                    case 'S':
                    case 'M': {
                        const id = blocks.find(addr);
                        if (id < 0)
                            return sink.skip('access outside any live block', n, true);
                        sink.op(types_1.OP_ACCESS, id, ACCESS[op], n);
                        return;
                    }
                    default:
                        throw new errors_1.SimError('TRACE_SYNTAX', `unknown memtrace op "${(0, import_util_1.clip)(op)}" (N, F, L, S or M)`, { file, line: n });
                }
            },
            end() {
                if (!started)
                    throw new errors_1.SimError('TRACE_FORMAT', 'no ">>> " line in the file: not an rmalloc thesis memtrace', { file });
            },
        };
    },
};
const OPS_LINE = /^\s*\d+\s+[NFLSMU]\s+\d+\s+\d+\s*$/;
exports.opsImporter = {
    name: 'ops',
    description: 'rmalloc thesis ops / lockops file ("handle op addr size"; op N F L S M U)',
    detect(head) {
        return head.length > 0 && head.every((l) => OPS_LINE.test(l) || l.trim().startsWith('#'));
    },
    create(file, sink) {
        const ids = new Map();
        const pool = new import_util_1.IdPool();
        let started = false;
        return {
            line(text, n) {
                const t = (0, import_util_1.fields)(text);
                if (t.length === 0)
                    return;
                if (t[0].startsWith('#')) {
                    sink.comment(text.trim().slice(1).trimStart());
                    return;
                }
                if (!started) {
                    sink.comment('imported from rmalloc thesis ops file');
                    started = true;
                }
                if (t.length < 4)
                    throw new errors_1.SimError('TRACE_SYNTAX', `missing ${['handle', 'op', 'address', 'size'][t.length]}`, { file, line: n });
                if (t.length > 4)
                    throw new errors_1.SimError('TRACE_SYNTAX', `unexpected extra field "${(0, import_util_1.clip)(t[4])}"`, { file, line: n });
                const handle = (0, import_util_1.parseCount)(t[0], 'handle', file, n, { max: Number.MAX_SAFE_INTEGER });
                const op = t[1];
                const addr = (0, import_util_1.parseCount)(t[2], 'address', file, n, { hexOk: true });
                const size = (0, import_util_1.parseCount)(t[3], 'size', file, n);
                const id = ids.get(handle);
                if (op === 'L' && addr === 0 && size === 0) {
                    if (id === undefined)
                        return sink.skip('lock of an unknown handle', n);
                    sink.op(types_1.OP_LOCK, id, 0, n);
                    return;
                }
                switch (op) {
                    case 'N': {
                        if (id !== undefined)
                            return sink.skip('allocation of a live handle', n);
                        const nid = pool.take();
                        ids.set(handle, nid);
                        sink.op(types_1.OP_ALLOC, nid, size, n);
                        return;
                    }
                    case 'F':
                        if (id === undefined)
                            return sink.skip('free of an unknown handle', n);
                        ids.delete(handle);
                        pool.give(id);
                        sink.op(types_1.OP_FREE, id, 0, n);
                        return;
                    case 'U':
                        if (id === undefined)
                            return sink.skip('unlock of an unknown handle', n);
                        sink.op(types_1.OP_UNLOCK, id, 0, n);
                        return;
                    case 'L':
                    case 'S':
                    case 'M':
                        if (id === undefined)
                            return sink.skip('access to an unknown handle', n);
                        sink.op(types_1.OP_ACCESS, id, ACCESS[op], n);
                        return;
                    default:
                        throw new errors_1.SimError('TRACE_SYNTAX', `unknown ops-file op "${(0, import_util_1.clip)(op)}" (N, F, L, S, M or U)`, { file, line: n });
                }
            },
            end() { },
        };
    },
};
