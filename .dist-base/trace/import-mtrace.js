"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.mtraceImporter = void 0;
/**
 * glibc `mtrace()` logs (MALLOC_TRACE=file). Lines, each optionally prefixed by the caller
 * (`@ ./prog:[0x4005d6] ` or `@ /lib/libc.so.6:(fn+0x1d)[0x7f..] `):
 *   = Start / = End        tracing switched on / off (ignored)
 *   + 0xADDR 0xSIZE        malloc, calloc, memalign, realloc(NULL, n) returned ADDR
 *   - 0xADDR               free (and realloc(p, 0))
 *   < 0xOLD  then  > 0xNEW 0xSIZE    realloc that returned NEW (two consecutive lines)
 *   ! 0xADDR 0xSIZE        realloc(ADDR, SIZE) failed: ADDR stays live, untouched (SIZE may be
 *                          any size_t, e.g. 0xfffffffffffff000; it is never replayed)
 * Sizes are printed with %#lx: hexadecimal with 0x, except 0.
 *
 * Addresses map to compact ids (freed ids reused smallest-first). Skipped and counted: free
 * of an unknown pointer, a realloc of an unknown pointer (imported as an allocation), a new
 * block at an address that is still live (the earlier block is freed first: a missed free),
 * and, as benign events, a failed malloc (`+ (nil)`) or realloc (`!`).
 */
const errors_1 = require("../errors");
const types_1 = require("./types");
const import_util_1 = require("./import-util");
const HEX = '(?:0x[0-9a-fA-F]+|\\(nil\\)|0)';
const OP_RE = new RegExp(`^(?:@ .*?\\s)?(?:[+>!] ${HEX} ${HEX}|[-<] ${HEX})\\s*$`);
const MARK_RE = /^= (?:Start|End)\s*$/;
exports.mtraceImporter = {
    name: 'mtrace',
    description: 'glibc mtrace() log (MALLOC_TRACE): + - < > ! lines with hex addresses',
    detect(head) {
        if (head.length > 0 && MARK_RE.test(head[0]))
            return true; // every mtrace log opens with "= Start"
        let ops = 0;
        for (const l of head) {
            if (MARK_RE.test(l)) {
                ops++;
                continue;
            }
            if (!OP_RE.test(l))
                return false;
            ops++;
        }
        return ops > 0;
    },
    create(file, sink) {
        const heap = new import_util_1.AddressCalls(sink, file);
        const addrs = heap.addrs;
        let pendingOld = null;
        let pendingLine = 0;
        let started = false;
        const addr = (tok, line) => heap.addr(tok, line);
        /** Registers a new block at a; a still-live block there lost its free. */
        const newBlock = (a, line) => heap.newBlock(a, line);
        return {
            line(text, n) {
                const t = (0, import_util_1.fields)(text);
                if (t.length === 0)
                    return;
                if (t[0] === '=') {
                    if (!started)
                        sink.comment(`imported from glibc mtrace log`);
                    started = true;
                    return;
                }
                // The op is the last two or three fields; anything before it must be the caller.
                let opIdx = -1;
                if (t.length >= 3 && /^[+>!]$/.test(t[t.length - 3]))
                    opIdx = t.length - 3;
                else if (t.length >= 2 && /^[-<]$/.test(t[t.length - 2]))
                    opIdx = t.length - 2;
                else if (t.length >= 2 && /^[+>!]$/.test(t[t.length - 2]))
                    throw new errors_1.SimError('TRACE_SYNTAX', 'missing size', { file, line: n });
                if (opIdx < 0 || (opIdx > 0 && t[0] !== '@'))
                    throw new errors_1.SimError('TRACE_SYNTAX', `not an mtrace line: "${(0, import_util_1.clip)(text.trim())}"`, { file, line: n });
                const op = t[opIdx];
                if (pendingOld !== null && op !== '>')
                    throw new errors_1.SimError('TRACE_SYNTAX', "realloc '<' line without the '>' line after it", { file, line: pendingLine });
                switch (op) {
                    case '+': {
                        const a = addr(t[opIdx + 1], n);
                        if (a === '0') {
                            // A failed malloc: its size may be any size_t (over 2^53), never replayed.
                            (0, import_util_1.parseCount)(t[opIdx + 2], 'size', file, n, { hexOk: true, max: Infinity });
                            return sink.skip('failed allocation (NULL result)', n, true);
                        }
                        const size = (0, import_util_1.parseCount)(t[opIdx + 2], 'size', file, n, { hexOk: true });
                        sink.op(types_1.OP_ALLOC, newBlock(a, n), size, n);
                        return;
                    }
                    case '-': {
                        const a = addr(t[opIdx + 1], n);
                        if (a === '0')
                            return sink.skip('free(NULL)', n, true);
                        const id = addrs.remove(a);
                        if (id < 0)
                            return sink.skip('free of an unknown pointer', n);
                        sink.op(types_1.OP_FREE, id, 0, n);
                        return;
                    }
                    case '<':
                        pendingOld = addr(t[opIdx + 1], n);
                        pendingLine = n;
                        return;
                    case '>': {
                        if (pendingOld === null)
                            throw new errors_1.SimError('TRACE_SYNTAX', "realloc '>' line without a '<' line before it", { file, line: n });
                        const old = pendingOld;
                        pendingOld = null;
                        const a = addr(t[opIdx + 1], n);
                        const size = (0, import_util_1.parseCount)(t[opIdx + 2], 'size', file, n, { hexOk: true });
                        const id = addrs.get(old);
                        if (id < 0) {
                            sink.skip('realloc of an unknown pointer: imported as an allocation', n);
                            if (a !== '0')
                                sink.op(types_1.OP_ALLOC, newBlock(a, n), size, n);
                            return;
                        }
                        if (size === 0 || a === '0') {
                            addrs.remove(old);
                            sink.op(types_1.OP_FREE, id, 0, n);
                            return;
                        }
                        addrs.realloc(sink, id, old, a, size, n);
                        return;
                    }
                    case '!':
                        // realloc(p, size) returned NULL: p is untouched and stays live. The size asked for
                        // may be any size_t (glibc logs 0xfffffffffffff000 for a huge request).
                        addr(t[opIdx + 1], n);
                        (0, import_util_1.parseCount)(t[opIdx + 2], 'size', file, n, { hexOk: true, max: Infinity });
                        sink.skip('failed realloc (old block kept)', n, true);
                        return;
                }
            },
            end() {
                if (pendingOld !== null)
                    throw new errors_1.SimError('TRACE_SYNTAX', "realloc '<' line without the '>' line after it", { file, line: pendingLine });
            },
        };
    },
};
