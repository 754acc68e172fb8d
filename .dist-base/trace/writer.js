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
exports.TraceWriter = void 0;
exports.writeTrace = writeTrace;
/**
 * Native trace writer: a `#` header, then one op a line (see native.ts for the format).
 * Gzip-compressed when the path ends in `.gz`; `-` writes plain text to stdout. Streaming:
 * ops are formatted into a text buffer that is flushed (respecting back-pressure) every
 * 64 KiB, so memory stays constant whatever the number of ops.
 *
 * Nothing partial: a file is written under a temporary name and renamed over the target only
 * by close() (abort(), an error or a signal removes it), and its header promises a last line
 * `# end: N ops` that close() writes, so a copy cut short is an error when read, not a valid
 * shorter trace.
 */
const zlib = __importStar(require("node:zlib"));
const errors_1 = require("../errors");
const atomic_1 = require("../util/atomic");
const native_1 = require("./native");
const FLUSH_AT = 1 << 16;
class TraceWriter {
    path;
    out;
    sinks;
    file;
    buf = '';
    error = null;
    closed = false;
    /** Ops written so far. */
    ops = 0;
    constructor(path, header = []) {
        this.path = path;
        if (path === '-') {
            this.out = process.stdout;
            this.sinks = [];
            this.file = null;
            process.stdout.once('error', (e) => (this.error = e)); // EPIPE when the reader quits early
        }
        else {
            this.file = new atomic_1.AtomicFile(path);
            const file = this.file.stream;
            file.on('error', (e) => (this.error = e));
            if (path.endsWith('.gz')) {
                const gz = zlib.createGzip({ level: 6 });
                gz.on('error', (e) => (this.error = e));
                gz.pipe(file);
                this.out = gz;
                this.sinks = [gz, file];
            }
            else {
                this.out = file;
                this.sinks = [file];
            }
        }
        for (const h of header)
            for (const l of h.split('\n'))
                if (l !== native_1.END_PROMISE)
                    this.buf += l === '' ? '#\n' : `# ${l}\n`;
        this.buf += `# ${native_1.END_PROMISE}\n`;
    }
    /** Buffers one op; call flush() (or write a batch) now and then to bound memory. */
    op(kind, id, arg) {
        this.buf += `${(0, native_1.formatOp)(kind, id, arg)}\n`;
        this.ops++;
    }
    /** A comment line in the body. */
    comment(text) {
        this.buf += `# ${text}\n`;
    }
    /** Writes every op of a batch. */
    async write(b) {
        const { kind, id, arg } = b;
        for (let i = 0; i < b.n; i++) {
            this.buf += `${(0, native_1.formatOp)(kind[i], id[i], arg[i])}\n`;
            if (this.buf.length >= FLUSH_AT)
                await this.flush();
        }
        this.ops += b.n;
    }
    /** Hands the buffered text to the stream, waiting when it asks for back-pressure. */
    async flush() {
        this.check();
        if (this.buf === '')
            return;
        const chunk = this.buf;
        this.buf = '';
        if (!this.out.write(chunk))
            await new Promise((res) => this.out.once('drain', () => res()));
        this.check();
    }
    /** Writes the trailer, flushes and closes the file, renames it into place; resolves when done. */
    async close() {
        if (this.closed)
            return;
        this.buf += `${(0, native_1.endLine)(this.ops)}\n`;
        await this.flush();
        this.closed = true;
        if (this.file === null)
            return;
        const last = this.sinks[this.sinks.length - 1];
        await new Promise((res, rej) => {
            last.once('finish', () => res());
            last.once('close', () => res());
            last.once('error', (e) => rej(e));
            this.out.end();
        }).catch((e) => {
            this.error = e;
        });
        try {
            this.check();
        }
        catch (e) {
            this.file.abort();
            throw e;
        }
        this.file.commit();
    }
    /** Drops everything written: the target is left as it was. */
    abort() {
        this.closed = true;
        for (const s of this.sinks)
            s.destroy?.();
        this.file?.abort();
    }
    check() {
        if (this.error !== null)
            throw new errors_1.SimError('IO', `cannot write: ${(0, errors_1.describeFsError)(this.error)}`, { file: this.path });
    }
}
exports.TraceWriter = TraceWriter;
/**
 * Writes a whole trace: `ops` is one batch (e.g. PackedTrace.ops), or batches from a
 * TraceSource (any iterable or async iterable of OpBatch / PackedOps).
 */
async function writeTrace(path, header, ops) {
    const w = new TraceWriter(path, header);
    try {
        if ('n' in ops && 'kind' in ops)
            await w.write(ops);
        else
            for await (const b of ops)
                await w.write(b);
        await w.close();
    }
    catch (e) {
        w.abort();
        throw e;
    }
    return w.ops;
}
