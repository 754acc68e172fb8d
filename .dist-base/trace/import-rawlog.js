"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.rawlogImporter = exports.RawLogConverter = exports.SKIP_TRUNCATED = exports.SKIP_LIVE_ADDRESS = exports.SKIP_REALLOC0_UNKNOWN = exports.SKIP_REALLOC_UNKNOWN = exports.SKIP_REALLOC_FAILED = exports.SKIP_FAILED = exports.SKIP_FREE_UNKNOWN = exports.SKIP_FREE_NULL = void 0;
exports.unescapeField = unescapeField;
exports.shellQuote = shellQuote;
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
const errors_1 = require("../errors");
const types_1 = require("./types");
const CALL_BY_KIND = {
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
exports.SKIP_FREE_NULL = 'free(NULL)';
exports.SKIP_FREE_UNKNOWN = 'free of an unknown pointer';
exports.SKIP_FAILED = 'failed allocation (NULL result)';
exports.SKIP_REALLOC_FAILED = 'failed realloc (block left in place)';
exports.SKIP_REALLOC_UNKNOWN = 'realloc of an unknown pointer (recorded as an allocation)';
exports.SKIP_REALLOC0_UNKNOWN = 'realloc(p, 0) of an unknown pointer';
exports.SKIP_LIVE_ADDRESS = 'allocation at a live address (missed free: freed implicitly)';
exports.SKIP_TRUNCATED = 'truncated last record (process died while writing)';
/** Decodes a header field escaped by the interposer (\\, \n, \xHH). */
function unescapeField(s) {
    if (!s.includes('\\'))
        return s;
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
        }
        else if (n === 'x' && i + 3 < s.length) {
            out += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
            i += 3;
        }
        else {
            out += n;
            i++;
        }
    }
    return out;
}
/** Quotes argv for display as a POSIX shell command line. */
function shellQuote(args) {
    return args.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
/** A min-heap of free ids: the smallest freed id is handed out first. */
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
            let i = 0;
            for (;;) {
                const l = 2 * i + 1;
                if (l >= h.length)
                    break;
                const r = l + 1;
                const c = r < h.length && h[r] < h[l] ? r : l;
                if (h[c] >= last)
                    break;
                h[i] = h[c];
                i = c;
            }
            h[i] = last;
        }
        return top;
    }
    /** Restarts the pool with exactly `liveIds` in use (every smaller id free). */
    reset(liveIds) {
        const used = new Set(liveIds);
        let max = -1;
        for (const id of liveIds)
            if (id > max)
                max = id;
        this.heap = [];
        this.next = max + 1;
        for (let id = 0; id <= max; id++)
            if (!used.has(id))
                this.heap.push(id); // ascending = a valid heap
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
const DEC = /^[0-9]+$/;
const HEX = /^[0-9a-fA-F]+$/;
/** Converts one raw log, line by line, into native ops on `sink`. */
class RawLogConverter {
    meta = { version: 0, pid: 0, ppid: 0, image: 0, forked: false, pageSize: 0, pointerBytes: 0, exe: '', args: [], forkedFrom: null };
    stats;
    file;
    sink;
    live = new Map();
    /** Requested size by id (for live ids). */
    sizes = [];
    ids = new IdPool();
    opts;
    seq = 0;
    inHeader = true;
    ended = false;
    constructor(file, sink, opts = {}) {
        this.file = file;
        this.sink = sink;
        this.opts = opts;
        const calls = {};
        for (const k of Object.values(CALL_BY_KIND))
            calls[k] = 0;
        this.stats = { calls, allocs: 0, frees: 0, reallocs: 0, aligned: 0, maxAlign: 0, skipped: new Map(), liveAtEnd: 0, truncated: false, inherited: 0, inheritedBytes: 0 };
    }
    fail(lineNo, why) {
        throw new errors_1.SimError('TRACE_SYNTAX', why, { file: this.file, line: lineNo });
    }
    skip(reason, lineNo) {
        this.stats.skipped.set(reason, (this.stats.skipped.get(reason) ?? 0) + 1);
        this.sink.skip(reason, lineNo);
    }
    headerLine(text, lineNo) {
        const body = text.slice(1).trim();
        const sp = body.indexOf(' ');
        const key = sp < 0 ? body : body.slice(0, sp);
        const value = sp < 0 ? '' : body.slice(sp + 1);
        const m = this.meta;
        const num = () => {
            if (!DEC.test(value))
                this.fail(lineNo, `raw log header "${key}" needs a number, got "${value}"`);
            return Number(value);
        };
        switch (key) {
            case 'rmalloc-rec':
                m.version = num();
                if (m.version !== 1)
                    this.fail(lineNo, `raw log version ${m.version} is not supported (expected 1)`);
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
                if (f.length !== 3 || !f.every((x) => DEC.test(x)))
                    this.fail(lineNo, `raw log header "forked-from" needs "<pid> <image> <seq>", got "${value}"`);
                m.forkedFrom = { pid: Number(f[0]), image: Number(f[1]), seq: Number(f[2]) };
                break;
            }
            default:
                break; // unknown header keys are kept for forward compatibility
        }
    }
    endHeader() {
        this.inHeader = false;
        const m = this.meta;
        if (m.exe)
            this.sink.comment(`program: ${m.exe}`);
        if (m.args.length)
            this.sink.comment(`command: ${shellQuote(m.args)}`);
        if (m.pointerBytes)
            this.sink.comment(`pointer-bytes: ${m.pointerBytes}`);
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
                this.sink.op(types_1.OP_ALLOC, b.id, b.size, 0);
                this.stats.allocs++;
            }
        }
        else if (m.forkedFrom) {
            this.sink.comment('inherited: blocks live in the parent at the fork are not in this trace (rmalloc-sim record, which sees the parent log, includes them)');
        }
    }
    /** The blocks live now (after the records read so far), with their ids and sizes. */
    liveBlocks() {
        const out = [];
        for (const [addr, id] of this.live)
            out.push({ addr, id, size: this.sizes[id] });
        return out;
    }
    newId(addr, size, lineNo) {
        const old = this.live.get(addr);
        if (old !== undefined) {
            this.skip(exports.SKIP_LIVE_ADDRESS, lineNo);
            this.sink.op(types_1.OP_FREE, old, 0, lineNo);
            this.stats.frees++;
            this.ids.give(old);
        }
        const id = this.ids.take();
        this.live.set(addr, id);
        this.sizes[id] = size;
        this.sink.op(types_1.OP_ALLOC, id, size, lineNo);
        this.stats.allocs++;
    }
    dropId(addr, id, lineNo) {
        this.live.delete(addr);
        this.ids.give(id);
        this.sink.op(types_1.OP_FREE, id, 0, lineNo);
        this.stats.frees++;
    }
    line(raw, lineNo) {
        if (this.ended)
            return;
        let text = raw;
        const nul = text.indexOf('\0');
        if (nul >= 0) {
            // Unused mapping space, possibly after a record cut short by a crash: the log ends here.
            text = text.slice(0, nul).trim();
            this.ended = true;
            if (text.length > 0) {
                this.stats.truncated = true;
                this.skip(exports.SKIP_TRUNCATED, lineNo);
            }
            return;
        }
        if (text.endsWith('\r'))
            text = text.slice(0, -1);
        if (text.length === 0)
            return;
        if (text.charCodeAt(0) === 35 /* # */) {
            if (this.inHeader)
                this.headerLine(text, lineNo);
            return;
        }
        if (this.inHeader) {
            if (this.meta.version === 0)
                this.fail(lineNo, 'not a recorder raw log: the "# rmalloc-rec 1" header is missing');
            this.endHeader();
        }
        const f = text.split(' ');
        const [seqS, kind, retS, sizeS, extraS] = f;
        if (f.length < 4 || f.length > 5)
            this.fail(lineNo, `expected "<seq> <kind> <ret> <size> [<extra>]", got "${text}"`);
        if (!DEC.test(seqS))
            this.fail(lineNo, `bad sequence number "${seqS}"`);
        const seq = Number(seqS);
        if (this.opts.stopAtSeq !== undefined && seq >= this.opts.stopAtSeq) {
            this.ended = true;
            return;
        }
        if (seq !== this.seq)
            this.fail(lineNo, `sequence number ${seq} out of order (expected ${this.seq})`);
        this.seq++;
        const call = CALL_BY_KIND[kind];
        if (call === undefined)
            this.fail(lineNo, `unknown record kind "${kind}"`);
        if (!HEX.test(retS))
            this.fail(lineNo, `bad address "${retS}"`);
        if (!DEC.test(sizeS))
            this.fail(lineNo, `bad size "${sizeS}"`);
        const wantsExtra = kind !== 'M' && kind !== 'C' && kind !== 'F';
        if (wantsExtra !== (extraS !== undefined))
            this.fail(lineNo, `record kind ${kind} ${wantsExtra ? 'needs' : 'takes no'} fifth field`);
        const isRealloc = kind === 'R' || kind === 'Y';
        if (extraS !== undefined && !(isRealloc ? HEX : DEC).test(extraS))
            this.fail(lineNo, `bad ${isRealloc ? 'old pointer' : 'alignment'} "${extraS}"`);
        this.stats.calls[call]++;
        const ret = normHex(retS);
        const size = Number(sizeS);
        if (kind === 'F') {
            if (ret === '0')
                return this.skip(exports.SKIP_FREE_NULL, lineNo);
            const id = this.live.get(ret);
            if (id === undefined)
                return this.skip(exports.SKIP_FREE_UNKNOWN, lineNo);
            this.dropId(ret, id, lineNo);
            return;
        }
        if (!isRealloc) {
            if (ret === '0')
                return this.skip(exports.SKIP_FAILED, lineNo);
            if (size > Number.MAX_SAFE_INTEGER)
                this.fail(lineNo, `size ${sizeS} is over 2^53`);
            if (extraS !== undefined) {
                this.stats.aligned++;
                const align = Number(extraS);
                if (align > this.stats.maxAlign)
                    this.stats.maxAlign = align;
            }
            this.newId(ret, size, lineNo);
            return;
        }
        const old = normHex(extraS);
        if (old === '0') {
            if (ret === '0')
                return this.skip(exports.SKIP_REALLOC_FAILED, lineNo);
            this.newId(ret, size, lineNo); // realloc(NULL, n) = malloc(n)
            return;
        }
        const id = this.live.get(old);
        if (id === undefined) {
            if (ret === '0')
                return this.skip(size === 0 ? exports.SKIP_REALLOC0_UNKNOWN : exports.SKIP_REALLOC_FAILED, lineNo);
            this.skip(exports.SKIP_REALLOC_UNKNOWN, lineNo);
            this.newId(ret, size, lineNo);
            return;
        }
        if (size === 0) {
            this.dropId(old, id, lineNo); // realloc(p, 0) = free(p)
            if (ret !== '0')
                this.newId(ret, 0, lineNo); // an allocator that returns a minimum block
            return;
        }
        if (ret === '0')
            return this.skip(exports.SKIP_REALLOC_FAILED, lineNo);
        if (size > Number.MAX_SAFE_INTEGER)
            this.fail(lineNo, `size ${sizeS} is over 2^53`);
        if (ret !== old) {
            this.live.delete(old);
            const clash = this.live.get(ret);
            if (clash !== undefined) {
                this.skip(exports.SKIP_LIVE_ADDRESS, lineNo);
                this.dropId(ret, clash, lineNo);
            }
            this.live.set(ret, id);
        }
        this.sizes[id] = size;
        this.sink.op(types_1.OP_REALLOC, id, size, lineNo);
        this.stats.reallocs++;
    }
    end() {
        if (this.inHeader && this.meta.version !== 0)
            this.endHeader();
        this.stats.liveAtEnd = this.live.size;
    }
}
exports.RawLogConverter = RawLogConverter;
function normHex(s) {
    let i = 0;
    while (i < s.length - 1 && s.charCodeAt(i) === 48 /* 0 */)
        i++;
    return (i ? s.slice(i) : s).toLowerCase();
}
exports.rawlogImporter = {
    name: 'rawlog',
    description: "the recorder's raw log (scripts/recorder/interpose.c, `# rmalloc-rec 1`)",
    detect(head) {
        return /^# rmalloc-rec \d+\s*$/.test(head[0] ?? '');
    },
    create(file, sink) {
        const c = new RawLogConverter(file, sink);
        return { line: (text, lineNo) => c.line(text, lineNo), end: () => c.end() };
    },
};
