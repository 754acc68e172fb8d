"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.OpPacker = exports.OpCollector = exports.MAX_LINE = exports.BATCH_OPS = void 0;
exports.newBatch = newBatch;
exports.isGzip = isGzip;
exports.traceName = traceName;
exports.openTrace = openTrace;
exports.narrowOps = narrowOps;
exports.loadTrace = loadTrace;
exports.traceFromText = traceFromText;
exports.findTraceFiles = findTraceFiles;
/**
 * Streaming trace reader (design §6).
 *
 * A file is read in chunks (decoded on the fly when it starts with the gzip or zstd magic
 * bytes, whatever its name; decompress.ts), split into whole lines at the last newline of each chunk, and parsed
 * either by the byte-level native parser or line by line by an importer. Every op passes the
 * OpCollector, which validates it against the set of live ids and writes it into one reused
 * OpBatch; a full batch is yielded and then overwritten. Memory is constant whatever the
 * trace length, apart from the live-id set.
 *
 * Semantics the collector enforces, so the engine can trust its input:
 * - `a` of a live id, and `f`/`r`/`l`/`u`/`x` of an id that is not live, are recoverable: the
 *   op is dropped and counted (SkipCount) or, with `strict`, SimError('TRACE_SEMANTIC').
 * - `r <id> 0` is a free (glibc realloc(p, 0)); it reaches the engine as OP_FREE.
 * - `a <id> 0` is legal (malloc(0)) and reaches the engine with size 0.
 * Syntax errors are always SimError('TRACE_SYNTAX') with the file and line.
 */
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const zlib = __importStar(require("node:zlib"));
const errors_1 = require("../errors");
const spool_1 = require("./spool");
const types_1 = require("./types");
const native_1 = require("./native");
const importers_1 = require("./importers");
const decompress_1 = require("./decompress");
/** Ops per batch handed to the consumer. */
exports.BATCH_OPS = 65536;
/** Importers may emit a couple of ops per line past the batch limit. */
const BATCH_CAP = exports.BATCH_OPS + 1024;
/** Bytes read per chunk. */
const CHUNK = 1 << 18;
/**
 * Longest line accepted (bytes). Real trace lines are a few dozen bytes; without a bound a
 * binary file or a gzip bomb with no newline would be buffered whole before any error.
 */
exports.MAX_LINE = 1 << 20;
/** The UTF-8 byte order mark, skipped at the start of a file. */
const BOM = [0xef, 0xbb, 0xbf];
/** Whether `b` starts with a UTF-8 BOM. */
function hasBom(b) {
    return b.length >= 3 && b[0] === BOM[0] && b[1] === BOM[1] && b[2] === BOM[2];
}
/** Ids below this use a bitmap in the live set; larger ones a Set. */
const DENSE_IDS = 1 << 26;
function newBatch(capacity) {
    return {
        n: 0,
        kind: new Uint8Array(capacity),
        id: new Float64Array(capacity),
        arg: new Float64Array(capacity),
        line: new Float64Array(capacity),
    };
}
const NO_OP_FOR = {
    [types_1.OP_FREE]: 'free of an unknown id',
    [types_1.OP_REALLOC]: 'realloc of an unknown id',
    [types_1.OP_LOCK]: 'lock of an unknown id',
    [types_1.OP_UNLOCK]: 'unlock of an unknown id',
    [types_1.OP_ACCESS]: 'access to an unknown id',
};
/**
 * The validating sink every reader path ends in: checks each op against the live ids, counts
 * or rejects the recoverable problems, and appends the survivors to its batch.
 */
class OpCollector {
    batch;
    header = [];
    /** True once an op (valid or skipped) was seen: later comments are not header lines. */
    sawOp = false;
    file;
    strict;
    bits = new Uint32Array(2048);
    big = new Set();
    skips = new Map();
    constructor(file, strict, capacity = BATCH_CAP) {
        this.file = file;
        this.strict = strict;
        this.batch = newBatch(capacity);
    }
    isLive(id) {
        if (id < DENSE_IDS) {
            const w = id >>> 5;
            return w < this.bits.length && ((this.bits[w] >>> (id & 31)) & 1) === 1;
        }
        return this.big.has(id);
    }
    setLive(id) {
        if (id < DENSE_IDS) {
            const w = id >>> 5;
            if (w >= this.bits.length)
                this.growBits(w);
            this.bits[w] = this.bits[w] | (1 << (id & 31));
        }
        else
            this.big.add(id);
    }
    clearLive(id) {
        if (id < DENSE_IDS) {
            const w = id >>> 5;
            if (w < this.bits.length)
                this.bits[w] = this.bits[w] & ~(1 << (id & 31));
        }
        else
            this.big.delete(id);
    }
    growBits(w) {
        let n = this.bits.length;
        while (n <= w)
            n *= 2;
        const b = new Uint32Array(n);
        b.set(this.bits);
        this.bits = b;
    }
    op(kind, id, arg, line) {
        this.sawOp = true;
        switch (kind) {
            case types_1.OP_ALLOC:
                if (this.isLive(id))
                    return this.problem('allocation of a live id', id, line);
                this.setLive(id);
                break;
            case types_1.OP_FREE:
                if (!this.isLive(id))
                    return this.problem(NO_OP_FOR[kind], id, line);
                this.clearLive(id);
                break;
            case types_1.OP_REALLOC:
                if (!this.isLive(id))
                    return this.problem(NO_OP_FOR[kind], id, line);
                if (arg === 0) {
                    this.clearLive(id);
                    kind = types_1.OP_FREE;
                }
                break;
            case types_1.OP_IDLE:
                break;
            default:
                if (!this.isLive(id))
                    return this.problem(NO_OP_FOR[kind], id, line);
        }
        const b = this.batch;
        const n = b.n;
        if (n === b.kind.length)
            this.growBatch();
        b.kind[n] = kind;
        b.id[n] = id;
        b.arg[n] = arg;
        b.line[n] = line;
        b.n = n + 1;
    }
    growBatch() {
        const b = this.batch;
        const cap = b.kind.length * 2;
        const k = new Uint8Array(cap);
        k.set(b.kind);
        const i = new Float64Array(cap);
        i.set(b.id);
        const a = new Float64Array(cap);
        a.set(b.arg);
        const l = new Float64Array(cap);
        l.set(b.line);
        b.kind = k;
        b.id = i;
        b.arg = a;
        b.line = l;
    }
    problem(reason, id, line) {
        if (this.strict)
            throw new errors_1.SimError('TRACE_SEMANTIC', `${reason} (id ${id})`, { file: this.file, line });
        this.count(reason, line, false);
    }
    skip(reason, line, benign = false) {
        this.sawOp = true;
        if (this.strict && !benign)
            throw new errors_1.SimError('TRACE_SEMANTIC', reason, { file: this.file, line });
        this.count(reason, line, benign);
    }
    count(reason, line, benign) {
        let s = this.skips.get(reason);
        if (s === undefined) {
            s = { reason, count: 0, firstLine: line };
            if (benign)
                s.benign = true;
            this.skips.set(reason, s);
        }
        s.count++;
    }
    comment(text) {
        if (!this.sawOp)
            this.header.push(text);
    }
    /** Skipped events so far, in order of first occurrence. */
    skipped() {
        return [...this.skips.values()].map((s) => ({ ...s })).sort((a, b) => a.firstLine - b.firstLine);
    }
}
exports.OpCollector = OpCollector;
/**
 * Feeds whole lines of a buffer to the native parser or to an importer's line handler, and
 * stops as soon as the collector's batch is full.
 */
class Feeder {
    c;
    parser;
    handler;
    lineNo = 0;
    constructor(file, importer, c) {
        this.c = c;
        if (importer.name === 'native') {
            this.parser = new native_1.NativeParser(c, file);
            this.handler = null;
        }
        else {
            this.parser = null;
            this.handler = importer.create(file, c);
        }
    }
    /** Parses lines in [p, end) (end just after a '\n') until the batch is full. */
    feed(buf, p, end) {
        const c = this.c;
        if (this.parser !== null)
            return this.parser.parse(buf, p, end, exports.BATCH_OPS - c.batch.n);
        const h = this.handler;
        while (p < end && c.batch.n < exports.BATCH_OPS) {
            const nl = buf.indexOf(10, p);
            let e = nl;
            if (e > p && buf[e - 1] === 13)
                e--;
            this.lineNo++;
            h.line(buf.toString('utf8', p, e), this.lineNo);
            p = nl + 1;
        }
        return p;
    }
    /** Lines consumed so far. */
    linesDone() {
        return this.parser !== null ? this.parser.line : this.lineNo;
    }
    /** Parses one line at a time until the first op (used to read the header from the head). */
    feedUntilOp(buf, end) {
        let p = 0;
        while (p < end && !this.c.sawOp) {
            if (this.parser !== null)
                p = this.parser.parse(buf, p, end, 1);
            else {
                const nl = buf.indexOf(10, p);
                this.feed(buf, p, nl + 1);
                p = nl + 1;
            }
        }
    }
    end() {
        this.parser?.finish();
        this.handler?.end();
    }
}
const NEWLINE = Buffer.from('\n');
/** Parses a whole in-memory buffer synchronously; onBatch gets each full batch. */
function parseAllSync(buf, f, c, onBatch) {
    if (buf.length > 0 && buf[buf.length - 1] !== 10)
        buf = Buffer.concat([buf, NEWLINE]);
    let p = 0;
    const end = buf.length;
    while (p < end) {
        p = f.feed(buf, p, end);
        if (c.batch.n >= exports.BATCH_OPS) {
            onBatch(c.batch);
            c.batch.n = 0;
        }
    }
    f.end();
    if (c.batch.n > 0) {
        onBatch(c.batch);
        c.batch.n = 0;
    }
}
/** Whether a buffer starts with the gzip magic bytes. */
function isGzip(head) {
    return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}
/** Display name: the file name without .gz and then .trace/.rep/.log/.txt. */
function traceName(p) {
    let b = path.basename(p);
    if (b.endsWith('.gz'))
        b = b.slice(0, -3);
    return b.replace(/\.(trace|rep|log|txt|mtrace|memtrace|ops)$/, '');
}
function statFile(file) {
    if (file === '-' && !(0, spool_1.isSpooled)(file))
        throw new errors_1.SimError('USAGE', '"-" (stdin) is read by the commands that take -t or a trace argument', { file });
    let st;
    try {
        st = fs.statSync((0, spool_1.inputPath)(file));
    }
    catch (e) {
        const code = e.code;
        if (code === 'ENOENT' || code === 'ENOTDIR')
            throw new errors_1.SimError('TRACE_NOT_FOUND', 'no such trace file', { file });
        throw new errors_1.SimError('IO', `cannot read: ${(0, errors_1.describeFsError)(e)}`, { file });
    }
    if (st.isDirectory())
        throw new errors_1.SimError('TRACE_NOT_FOUND', 'is a directory, not a trace file', { file });
    // A FIFO or device that was not spooled: opening could block forever (a FIFO with no writer).
    if (!st.isFile())
        throw new errors_1.SimError('TRACE_FORMAT', 'is a pipe or device, not a file: pass it with -t (or -t - for stdin)', { file });
}
/** Gunzips the start of a gzip file, at most 4 MiB of output (a gzip bomb stays cheap). */
function gunzipHead(buf, file) {
    const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 1 << 22 };
    try {
        try {
            return zlib.gunzipSync(buf, opts);
        }
        catch (e) {
            if (e.code !== 'ERR_BUFFER_TOO_LARGE')
                throw e;
            return zlib.gunzipSync(buf.subarray(0, 2048), opts);
        }
    }
    catch (e) {
        throw new errors_1.SimError('TRACE_FORMAT', `corrupt gzip data (${e.message})`, { file });
    }
}
/** Reads the first bytes of a file (decoded when it is gzip or zstd) for detection and header. */
function readHead(file) {
    let fd;
    try {
        fd = fs.openSync((0, spool_1.inputPath)(file), 'r');
    }
    catch (e) {
        throw new errors_1.SimError('IO', `cannot read: ${(0, errors_1.describeFsError)(e)}`, { file });
    }
    try {
        const raw = Buffer.alloc(65536);
        const got = fs.readSync(fd, raw, 0, raw.length, 0);
        const buf = raw.subarray(0, got);
        const wholeFile = got < raw.length;
        const codec = (0, decompress_1.sniffCodec)(buf);
        const noBom = (t) => (hasBom(t) ? t.subarray(3) : t);
        if (codec === null)
            return { codec, text: noBom(buf), complete: wholeFile };
        if (codec === 'zstd')
            return { codec, text: noBom((0, decompress_1.zstdHead)(buf, file)), complete: false };
        return { codec, text: noBom(gunzipHead(buf, file)), complete: false };
    }
    catch (e) {
        if (e instanceof errors_1.SimError)
            throw e;
        throw new errors_1.SimError('IO', `cannot read: ${(0, errors_1.describeFsError)(e)}`, { file });
    }
    finally {
        fs.closeSync(fd);
    }
}
/** The first non-blank lines of a head buffer (a cut last line dropped unless complete). */
function headLines(text, complete, max = 50) {
    let end = text.length;
    if (!complete) {
        const nl = text.lastIndexOf(10);
        end = nl < 0 ? 0 : nl;
    }
    const out = [];
    for (const l of text.toString('utf8', 0, end).split('\n')) {
        const t = l.endsWith('\r') ? l.slice(0, -1) : l;
        if (t.trim() === '')
            continue;
        out.push(t);
        if (out.length >= max)
            break;
    }
    return out;
}
/** Chooses the importer: the one named, or the one detected from the head lines. */
function chooseImporter(file, head, format) {
    if (format !== undefined && format !== '')
        return (0, importers_1.getImporter)(format);
    return (0, importers_1.detectImporter)(head, file);
}
/** Header comment lines found before the first op of the head. */
function probeHeader(file, importer, text, complete) {
    const c = new OpCollector(file, false, 16);
    const f = new Feeder(file, importer, c);
    let end = text.length;
    if (!complete || (end > 0 && text[end - 1] !== 10)) {
        const nl = text.lastIndexOf(10);
        end = nl < 0 ? 0 : nl + 1;
    }
    try {
        f.feedUntilOp(text, end);
    }
    catch {
        // Errors surface again, with their line, when the trace is read.
    }
    return c.header;
}
class FileTraceSource {
    info;
    /** The importer used ('native' for the native format). */
    format;
    importer;
    codec;
    strict;
    last = [];
    constructor(file, opts) {
        statFile(file);
        const head = readHead(file);
        this.codec = head.codec;
        const binary = (0, decompress_1.binaryKind)(head.text);
        if (binary !== null) {
            const what = opts.format ? `a ${opts.format} trace` : 'a text trace';
            const inside = head.codec ? ` inside ${head.codec}` : '';
            throw new errors_1.SimError('TRACE_FORMAT', `not ${what}: the file is ${binary}${inside}`, { file });
        }
        this.strict = opts.strict === true;
        this.importer = chooseImporter(file, headLines(head.text, head.complete), opts.format);
        this.format = this.importer.name;
        this.info = { path: file, name: traceName(file), header: probeHeader(file, this.importer, head.text, head.complete) };
    }
    skipped() {
        return this.last;
    }
    batches() {
        return { [Symbol.asyncIterator]: () => this.iterate() };
    }
    async *iterate() {
        const file = this.info.path;
        const c = new OpCollector(file, this.strict);
        const f = new Feeder(file, this.importer, c);
        const src = fs.createReadStream((0, spool_1.inputPath)(file), { highWaterMark: CHUNK });
        let stream = src;
        if (this.codec !== null) {
            const dec = (0, decompress_1.decoder)(this.codec, file, CHUNK);
            src.on('error', (e) => dec.destroy(e));
            stream = src.pipe(dec);
        }
        let carry = null;
        let first = true;
        const tooLong = () => {
            throw new errors_1.SimError('TRACE_SYNTAX', `line longer than ${exports.MAX_LINE >> 20} MiB (a binary or corrupt file?)`, { file, line: f.linesDone() + 1 });
        };
        try {
            for await (const chunk of stream) {
                let buf = chunk;
                if (first) {
                    first = false;
                    if (hasBom(buf))
                        buf = buf.subarray(3);
                }
                if (carry !== null) {
                    buf = Buffer.concat([carry, buf]);
                    carry = null;
                }
                const last = buf.lastIndexOf(10);
                if (last < 0) {
                    if (buf.length > exports.MAX_LINE)
                        tooLong();
                    carry = buf;
                    continue;
                }
                const end = last + 1;
                let p = 0;
                while (p < end) {
                    p = f.feed(buf, p, end);
                    if (c.batch.n >= exports.BATCH_OPS) {
                        yield c.batch;
                        c.batch.n = 0;
                    }
                }
                if (end < buf.length) {
                    if (buf.length - end > exports.MAX_LINE)
                        tooLong();
                    carry = Buffer.from(buf.subarray(end));
                }
            }
        }
        catch (e) {
            if (e instanceof errors_1.SimError)
                throw e;
            const err = e;
            if (typeof err.code === 'string' && err.code.startsWith('Z_'))
                throw new errors_1.SimError('TRACE_FORMAT', `corrupt gzip data (${err.message})`, { file });
            if (typeof err.code === 'string')
                throw new errors_1.SimError('IO', `cannot read: ${(0, errors_1.describeFsError)(err)}`, { file });
            throw e;
        }
        finally {
            src.destroy();
        }
        if (carry !== null) {
            const buf = Buffer.concat([carry, NEWLINE]);
            let p = 0;
            while (p < buf.length) {
                p = f.feed(buf, p, buf.length);
                if (c.batch.n >= exports.BATCH_OPS) {
                    yield c.batch;
                    c.batch.n = 0;
                }
            }
        }
        f.end();
        if (c.batch.n > 0) {
            yield c.batch;
            c.batch.n = 0;
        }
        this.last = c.skipped();
        if (c.header.length > this.info.header.length)
            this.info.header = c.header;
    }
}
/**
 * Opens a trace for streaming. Throws SimError('TRACE_NOT_FOUND') at once for a missing file;
 * syntax and semantic errors come from iterating batches(), each with its file and line.
 */
function openTrace(file, opts = {}) {
    return new FileTraceSource(file, opts);
}
/** Whether every value of a[0, n) is an integer in [0, 2^32): the column packs into a Uint32Array exactly. */
function fitsU32(a, n) {
    if (a instanceof Uint32Array)
        return true;
    for (let i = 0; i < n; i++) {
        const v = a[i];
        if (!(v >= 0 && v <= 0xffffffff && Math.floor(v) === v) || Object.is(v, -0))
            return false;
    }
    return true;
}
/** a[0, n) in the narrowest exact column: a Uint32Array when it fits, else a Float64Array copy. */
function narrowColumn(a, n) {
    return fitsU32(a, n) ? Uint32Array.from(a.subarray(0, n)) : a.slice(0, n);
}
/**
 * Ops in exact-length arrays with each number column as narrow as its values allow (13 bytes
 * per op when ids, sizes and lines fit 32 bits, as in every real trace; 25 at most).
 */
function narrowOps(b) {
    const n = b.n;
    return { n, kind: b.kind.slice(0, n), id: narrowColumn(b.id, n), arg: narrowColumn(b.arg, n), line: narrowColumn(b.line, n) };
}
/**
 * Collects batches into one set of typed arrays (issue 15 item 6: bounded memory). Each batch
 * is copied once into a chunk, each number column narrowed to a Uint32Array when its values
 * fit (narrowOps); finish() copies the chunks into exact-length arrays one column at a time,
 * dropping each chunk's column as it goes, so a trace held in memory costs 13 bytes per op
 * (1 kind + 4 id + 4 size + 4 line). The dropped chunks are garbage until V8's next major GC,
 * so loading peaks near twice that (bench/memory.md).
 */
class OpPacker {
    chunks = [];
    total = 0;
    add(src) {
        if (src.n === 0)
            return;
        this.chunks.push(narrowOps(src));
        this.total += src.n;
    }
    /** The packed ops, exactly `n` long. */
    finish() {
        const chunks = this.chunks;
        this.chunks = [];
        if (chunks.length === 1)
            return chunks[0];
        const n = this.total;
        const column = (get, drop) => {
            const out = chunks.every((c) => get(c) instanceof Uint32Array) ? new Uint32Array(n) : new Float64Array(n);
            let at = 0;
            for (const c of chunks) {
                out.set(get(c), at);
                at += c.n;
                drop(c);
            }
            return out;
        };
        const kind = new Uint8Array(n);
        let at = 0;
        for (const c of chunks) {
            kind.set(c.kind, at);
            at += c.n;
            c.kind = EMPTY_KIND;
        }
        const id = column((c) => c.id, (c) => (c.id = EMPTY_COL));
        const arg = column((c) => c.arg, (c) => (c.arg = EMPTY_COL));
        const line = column((c) => c.line, (c) => (c.line = EMPTY_COL));
        return { n: at, kind, id, arg, line };
    }
}
exports.OpPacker = OpPacker;
const EMPTY_KIND = new Uint8Array(0);
const EMPTY_COL = new Uint32Array(0);
/** Reads a whole trace, validated, into typed arrays (for the engine's many replays). */
async function loadTrace(file, opts = {}) {
    const src = openTrace(file, opts);
    const packer = new OpPacker();
    for await (const b of src.batches())
        packer.add(b);
    return { info: src.info, ops: packer.finish(), skipped: src.skipped() };
}
/**
 * Parses trace text synchronously (tests, small generated traces). Native format unless
 * opts.format names an importer or the text is detected as another format.
 */
function traceFromText(text, name = 'text', opts = {}) {
    const buf = Buffer.from(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, 'utf8');
    const importer = chooseImporter(name, headLines(buf, true), opts.format);
    const c = new OpCollector(name, opts.strict === true);
    const f = new Feeder(name, importer, c);
    const packer = new OpPacker();
    parseAllSync(buf, f, c, (b) => packer.add(b));
    return { info: { path: name, name: traceName(name), header: c.header }, ops: packer.finish(), skipped: c.skipped() };
}
/**
 * Expands paths: a directory gives its *.trace and *.trace.gz files (sorted by name), a file
 * itself. A missing path, or a directory without traces, is SimError('TRACE_NOT_FOUND').
 */
function findTraceFiles(pathsOrDirs) {
    const out = [];
    for (const p of pathsOrDirs) {
        if ((0, spool_1.isSpooled)(p)) {
            out.push(p);
            continue;
        }
        let st;
        try {
            st = fs.statSync(p);
        }
        catch {
            throw new errors_1.SimError('TRACE_NOT_FOUND', 'no such trace file or directory', { file: p });
        }
        if (st.isDirectory()) {
            const names = fs
                .readdirSync(p)
                .filter((n) => n.endsWith('.trace') || n.endsWith('.trace.gz'))
                .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
            if (names.length === 0)
                throw new errors_1.SimError('TRACE_NOT_FOUND', 'directory holds no *.trace or *.trace.gz files', { file: p });
            for (const n of names)
                out.push(path.join(p, n));
        }
        else
            out.push(p);
    }
    return out;
}
