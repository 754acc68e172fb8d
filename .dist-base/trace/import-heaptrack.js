"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.heaptrackImporter = void 0;
/**
 * heaptrack data files (`heaptrack.PROG.PID.zst`; the reader decodes zstd or gzip by magic
 * bytes). Read from heaptrack's documented line format (libheaptrack.cpp and
 * heaptrack_interpret.cpp); no code copied. One event a line, a mode character and then fields
 * in hexadecimal without 0x:
 *   v <heaptrack version> <file format version>     first line
 *   X <command line>                                 the program's argv, space-separated
 *   a <size> <trace index>      an allocation info: the n-th `a` line (from 0) is info n
 *   + <info index>              an allocation of that info's size
 *   - <info index>              a free of a live allocation of that info
 *   s, t, i, m, I, c, R, A, S, x, #    strings, stack traces, modules, system info, timestamps,
 *                               RSS, attach, suppressions, comments: not heap events, skipped
 * heaptrack logs realloc as a free of the old block and an allocation of the new one, drops
 * free(NULL), failed calls and frees of pointers it never saw.
 *
 * The final (interpreted) file names allocation infos, not addresses: a `-` says "a block of
 * this size and call stack", not which one. Of several such live blocks the newest is freed
 * (LIFO); the live bytes, the op counts and every size are exact, the choice among equal
 * blocks is the importer's. The raw stream before heaptrack_interpret (`+ <size> <trace>
 * <pointer>`, `- <pointer>`) carries addresses and is read exactly, like the other address
 * formats: free of an unknown pointer skipped and counted, a block at a live address (a missed
 * free) frees the earlier one first.
 */
const errors_1 = require("../errors");
const types_1 = require("./types");
const import_util_1 = require("./import-util");
const VERSION_LINE = /^v [0-9a-fA-F]+ [0-9a-fA-F]+\s*$/;
/** Mode characters of lines that are not heap events. */
const OTHER_MODES = new Set(['s', 't', 'i', 'm', 'I', 'c', 'R', 'A', 'S', 'x', '#']);
exports.heaptrackImporter = {
    name: 'heaptrack',
    description: 'heaptrack data file (zstd- or gzip-compressed, or plain): v/X/a/+/- lines, hex fields',
    detect(head) {
        return head.length > 0 && VERSION_LINE.test(head[0]);
    },
    create(file, sink) {
        /** Size of each allocation info, by index. */
        const infoSize = [];
        /** Live ids of each allocation info, newest last. */
        const liveByInfo = new Map();
        const pool = new import_util_1.IdPool();
        const addrs = new import_util_1.AddressMap();
        /** Raw stream (`+` lines carry pointers) or interpreted file; fixed by the first `+` line. */
        let raw = null;
        let sawVersion = false;
        const hex = (tok, field, line, max) => {
            if (tok === undefined)
                throw new errors_1.SimError('TRACE_SYNTAX', `missing ${field}`, { file, line });
            if (!/^[0-9a-fA-F]+$/.test(tok))
                throw new errors_1.SimError('TRACE_SYNTAX', `${field} is not hexadecimal: "${(0, import_util_1.clip)(tok)}"`, { file, line });
            return (0, import_util_1.parseCount)(`0x${tok}`, field, file, line, { hexOk: true, max });
        };
        const ptr = (tok, line) => {
            if (tok === undefined || !/^[0-9a-fA-F]+$/.test(tok))
                throw new errors_1.SimError('TRACE_SYNTAX', tok === undefined ? 'missing pointer' : `pointer is not hexadecimal: "${(0, import_util_1.clip)(tok)}"`, { file, line });
            return tok.toLowerCase().replace(/^0+(?=.)/, '');
        };
        return {
            line(text, n) {
                const t = (0, import_util_1.fields)(text);
                if (t.length === 0)
                    return;
                const mode = t[0];
                if (!sawVersion) {
                    if (mode !== 'v' || !VERSION_LINE.test(text.trim()))
                        throw new errors_1.SimError('TRACE_SYNTAX', `not a heaptrack file: the first line must be "v <version> <format>", got "${(0, import_util_1.clip)(text.trim())}"`, { file, line: n });
                    sawVersion = true;
                    const v = parseInt(t[1], 16); // 0xMMmmpp
                    sink.comment(`imported from heaptrack ${v >> 16}.${(v >> 8) & 255}.${v & 255} data (file format ${parseInt(t[2], 16)})`);
                    return;
                }
                switch (mode) {
                    case 'X':
                        sink.comment(`command: ${text.trim().slice(2)}`);
                        return;
                    case 'a':
                        infoSize.push(hex(t[1], 'size', n));
                        hex(t[2], 'trace index', n, Infinity);
                        return;
                    case '+': {
                        if (raw === null)
                            raw = t.length >= 4;
                        if (raw) {
                            const size = hex(t[1], 'size', n);
                            hex(t[2], 'trace index', n, Infinity);
                            const p = ptr(t[3], n);
                            const old = addrs.remove(p);
                            if (old >= 0) {
                                sink.skip('allocation at a live address (missed free): earlier block freed', n);
                                sink.op(types_1.OP_FREE, old, 0, n);
                            }
                            sink.op(types_1.OP_ALLOC, addrs.add(p), size, n);
                            return;
                        }
                        const info = hex(t[1], 'allocation index', n, Infinity);
                        const size = infoSize[info];
                        if (size === undefined)
                            throw new errors_1.SimError('TRACE_SYNTAX', `allocation index ${t[1]} has no "a" line before it`, { file, line: n });
                        const id = pool.take();
                        const live = liveByInfo.get(info);
                        if (live === undefined)
                            liveByInfo.set(info, [id]);
                        else
                            live.push(id);
                        sink.op(types_1.OP_ALLOC, id, size, n);
                        return;
                    }
                    case '-': {
                        if (raw === true) {
                            const id = addrs.remove(ptr(t[1], n));
                            if (id < 0)
                                return sink.skip('free of an unknown pointer', n);
                            sink.op(types_1.OP_FREE, id, 0, n);
                            return;
                        }
                        const info = hex(t[1], 'allocation index', n, Infinity);
                        const id = liveByInfo.get(info)?.pop();
                        if (id === undefined)
                            return sink.skip('free of an allocation index with no live block', n);
                        pool.give(id);
                        sink.op(types_1.OP_FREE, id, 0, n);
                        return;
                    }
                    default:
                        if (OTHER_MODES.has(mode))
                            return;
                        throw new errors_1.SimError('TRACE_SYNTAX', `not a heaptrack line (unknown mode "${(0, import_util_1.clip)(mode, 8)}")`, { file, line: n });
                }
            },
            end() {
                if (!sawVersion)
                    throw new errors_1.SimError('TRACE_FORMAT', 'empty: not a heaptrack file', { file });
            },
        };
    },
};
