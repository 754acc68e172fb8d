"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.NativeParser = exports.ACCESS_LETTERS = exports.NATIVE_LETTERS = exports.END_PROMISE = void 0;
exports.endLine = endLine;
exports.formatOp = formatOp;
exports.looksNative = looksNative;
/**
 * The native trace format (design §6) and its byte-level parser.
 *
 *   # any comment (leading ones form the header)   blank lines and CRLF are fine
 *   a <id> <size>     allocate size bytes for id (size 0 is legal: malloc(0))
 *   f <id>            free id
 *   r <id> <size>     realloc id to size (r <id> 0 frees id, like glibc's realloc(p, 0))
 *   l <id>   u <id>   lock / unlock id
 *   i <cycles>        idle time
 *   x <id> L|S|M      an access to id: load, store or modify (thesis memtraces; lock inference)
 *
 * Fields are separated by spaces or tabs; a `#` after the last field starts a comment. Ids are
 * decimal integers in [0, 2^53 - 1], sizes and cycles decimal integers in [0, 2^53].
 *
 * Completeness: rmalloc-sim writes the header line END_PROMISE and, as the file's last line,
 * `# end: N ops` (N = the op lines above it). A file that promises the trailer and lacks it, or
 * whose count disagrees, was cut short or edited: SimError('TRACE_TRUNCATED'). Files without
 * the promise (hand-written, older) are read as before; a trailer is checked wherever present.
 *
 * How it is fast: the parser walks the raw (already gunzipped) bytes once. No line is turned
 * into a string, no regex runs per line; numbers are accumulated digit by digit in a double
 * (exact below 2^53; the rare 16+ digit field is re-checked exactly with BigInt). Each op goes
 * straight to the sink (the validating collector), which writes it into reused typed arrays.
 */
const errors_1 = require("../errors");
const types_1 = require("./types");
const import_util_1 = require("./import-util");
const MAX_ID = Number.MAX_SAFE_INTEGER;
/** The header line (without '#') that promises a closing `# end: N ops` line. */
exports.END_PROMISE = 'rmalloc-sim: complete when the last line is "# end: <ops> ops"';
/** The closing line of a complete trace written by rmalloc-sim. */
function endLine(ops) {
    return `# end: ${ops} ops`;
}
const END_RE = /^# end: (\d+) ops\s*$/;
// Byte values.
const SP = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const HASH = 35;
/** True for a byte that may end a field. */
function isSep(c) {
    return c === SP || c === TAB || c === LF || c === CR || c === HASH;
}
/** The one-letter spelling of each op kind in the native format. */
exports.NATIVE_LETTERS = ['a', 'f', 'r', 'l', 'u', 'i', 'x'];
/** The spelling of the access kinds (arg of an `x` op). */
exports.ACCESS_LETTERS = ['L', 'S', 'M'];
/** Formats one op as a native line (without the newline). */
function formatOp(kind, id, arg) {
    switch (kind) {
        case types_1.OP_ALLOC:
            return `a ${id} ${arg}`;
        case types_1.OP_FREE:
            return `f ${id}`;
        case types_1.OP_REALLOC:
            return `r ${id} ${arg}`;
        case types_1.OP_LOCK:
            return `l ${id}`;
        case types_1.OP_UNLOCK:
            return `u ${id}`;
        case types_1.OP_IDLE:
            return `i ${arg}`;
        case types_1.OP_ACCESS:
            return `x ${id} ${exports.ACCESS_LETTERS[arg] ?? 'M'}`;
        default:
            throw new Error(`formatOp: unknown op kind ${kind}`);
    }
}
const NATIVE_LINE = /^\s*(?:#.*|[afrlu]\s+\d+(?:\s+\d+)?\s*(?:#.*)?|i\s+\d+\s*(?:#.*)?|x\s+\d+\s+[LSMlsm]\s*(?:#.*)?)?$/;
/** Auto-detection: every head line is a native op, a comment or blank. */
function looksNative(head) {
    for (const l of head)
        if (!NATIVE_LINE.test(l))
            return false;
    return true;
}
/**
 * Parses native lines from a byte buffer into an OpSink. Keeps the line counter across calls,
 * so a file can be fed chunk by chunk (each call gets whole lines only).
 */
class NativeParser {
    /** Lines consumed so far (the 1-based number of the last line parsed). */
    line = 0;
    /** True until the first op line: comments before it are header lines. */
    inHeader = true;
    /** Op lines passed to the sink so far. */
    opLines = 0;
    /** The header promised a closing `# end: N ops` line. */
    promised = false;
    /** The `# end: N ops` line, once seen. */
    end = null;
    v = 0;
    sink;
    file;
    constructor(sink, file) {
        this.sink = sink;
        this.file = file;
    }
    /**
     * Parses lines from `p` up to `end` (which must be just after a '\n', or the buffer must
     * hold a '\n' at end - 1) until `budget` op lines were passed to the sink. Returns the
     * offset where it stopped (the start of the next unparsed line).
     */
    parse(buf, p, end, budget) {
        const sink = this.sink;
        let line = this.line;
        let ops = 0;
        while (p < end && ops < budget) {
            const ls = p;
            line++;
            let ch = buf[p];
            while (ch === SP || ch === TAB)
                ch = buf[++p];
            if (ch === LF) {
                p++;
                continue;
            }
            if (ch === CR && buf[p + 1] === LF) {
                p += 2;
                continue;
            }
            if (ch === HASH) {
                const nl = buf.indexOf(LF, p);
                if (buf[p + 2] === 101 && buf[p + 1] === SP && this.endMarker(buf, p, nl, line)) {
                    // the trailer: checked in finish()
                }
                else if (this.inHeader) {
                    const text = commentText(buf, p + 1, nl);
                    if (text === exports.END_PROMISE)
                        this.promised = true; // format, not content: not a header line
                    else
                        sink.comment(text);
                }
                p = nl + 1;
                continue;
            }
            if (this.end !== null)
                this.fail(line, `an op after the closing "${endLine(this.end.ops)}" of line ${this.end.line} (two traces joined?)`);
            let kind;
            switch (ch) {
                case 97: // a
                    kind = types_1.OP_ALLOC;
                    break;
                case 102: // f
                    kind = types_1.OP_FREE;
                    break;
                case 114: // r
                    kind = types_1.OP_REALLOC;
                    break;
                case 108: // l
                    kind = types_1.OP_LOCK;
                    break;
                case 117: // u
                    kind = types_1.OP_UNLOCK;
                    break;
                case 105: // i
                    kind = types_1.OP_IDLE;
                    break;
                case 120: // x
                    kind = types_1.OP_ACCESS;
                    break;
                default:
                    return this.failOp(buf, p, line);
            }
            ch = buf[++p];
            if (ch !== SP && ch !== TAB) {
                if (ch === LF || ch === CR || ch === HASH)
                    return this.fail(line, `missing ${kind === types_1.OP_IDLE ? 'cycles' : 'id'}`);
                return this.failOp(buf, p - 1, line);
            }
            do
                ch = buf[++p];
            while (ch === SP || ch === TAB);
            // First field: the id, or the cycles of an idle op.
            let q = this.num(buf, p);
            if (q < 0 || !isSep(buf[q]))
                return this.failNum(buf, p, line, kind === types_1.OP_IDLE ? 'cycles' : 'id');
            let id = this.v;
            let arg = 0;
            if (kind === types_1.OP_IDLE) {
                if (id > import_util_1.MAX_SIZE)
                    return this.failOver(buf, p, q, line, 'cycles', '2^53');
                arg = id;
                id = 0;
            }
            else if (id > MAX_ID)
                return this.failOver(buf, p, q, line, 'id', '2^53 - 1');
            p = q;
            if (kind === types_1.OP_ALLOC || kind === types_1.OP_REALLOC) {
                ch = buf[p];
                if (ch !== SP && ch !== TAB)
                    return this.fail(line, 'missing size');
                do
                    ch = buf[++p];
                while (ch === SP || ch === TAB);
                q = this.num(buf, p);
                if (q < 0 || !isSep(buf[q]))
                    return this.failNum(buf, p, line, 'size');
                if (this.v > import_util_1.MAX_SIZE)
                    return this.failOver(buf, p, q, line, 'size', '2^53');
                arg = this.v;
                p = q;
            }
            else if (kind === types_1.OP_ACCESS) {
                ch = buf[p];
                if (ch !== SP && ch !== TAB)
                    return this.fail(line, 'missing access kind (L, S or M)');
                do
                    ch = buf[++p];
                while (ch === SP || ch === TAB);
                const k = ch | 32;
                if (k === 108)
                    arg = 0; // L: load
                else if (k === 115)
                    arg = 1; // S: store
                else if (k === 109)
                    arg = 2; // M: modify
                else
                    return this.failAccess(buf, p, line);
                if (!isSep(buf[++p]))
                    return this.failAccess(buf, p - 1, line);
            }
            // End of line: blanks, then newline or a trailing comment.
            ch = buf[p];
            while (ch === SP || ch === TAB)
                ch = buf[++p];
            if (ch === LF)
                p++;
            else if (ch === CR && buf[p + 1] === LF)
                p += 2;
            else if (ch === HASH)
                p = buf.indexOf(LF, p) + 1;
            else
                return this.fail(line, `unexpected extra field ${(0, errors_1.quote)(token(buf, p))}`);
            this.inHeader = false;
            this.opLines++;
            sink.op(kind, id, arg, line);
            ops++;
        }
        this.line = line;
        return p;
    }
    /** Whether the comment [p, nl) is a `# end: N ops` trailer; records it. */
    endMarker(buf, p, nl, line) {
        if (nl - p > 40)
            return false;
        const m = END_RE.exec(buf.toString('latin1', p, nl));
        if (m === null)
            return false;
        if (this.end !== null)
            this.fail(line, `a second "# end:" line (the first is line ${this.end.line})`);
        this.end = { ops: Number(m[1]), line };
        return true;
    }
    /**
     * Called after the last line: a promised trailer must be there and every trailer must count
     * the op lines above it, or the file is incomplete.
     */
    finish() {
        if (this.end !== null) {
            if (this.end.ops !== this.opLines)
                throw new errors_1.SimError('TRACE_TRUNCATED', `the trace ends with "${endLine(this.end.ops)}" but holds ${this.opLines} ops (cut or edited)`, {
                    file: this.file,
                    line: this.end.line,
                });
        }
        else if (this.promised)
            throw new errors_1.SimError('TRACE_TRUNCATED', `incomplete trace: its header promises a last line "# end: <ops> ops" and the file ends after ${this.opLines} ops without it (cut short while written or copied?)`, { file: this.file, line: this.line });
    }
    /** Reads decimal digits at p into this.v; returns the offset after them, or -1 if none. */
    num(buf, p) {
        let ch = buf[p];
        if (ch < 48 || ch > 57)
            return -1;
        const s = p;
        let v = ch - 48;
        ch = buf[++p];
        while (ch >= 48 && ch <= 57) {
            v = v * 10 + (ch - 48);
            ch = buf[++p];
        }
        if (p - s > 15) {
            // 16+ digits may exceed 2^53, where doubles round: decide exactly.
            const big = BigInt(buf.toString('latin1', s, p));
            v = big > BigInt(import_util_1.MAX_SIZE) ? Infinity : Number(big);
        }
        this.v = v;
        return p;
    }
    fail(line, reason) {
        this.line = line;
        throw new errors_1.SimError('TRACE_SYNTAX', reason, { file: this.file, line });
    }
    failOp(buf, p, line) {
        const t = token(buf, p);
        if (t === '')
            return this.fail(line, `unexpected character 0x${buf[p].toString(16).padStart(2, '0')} (native ops: a f r l u i x)`);
        return this.fail(line, `unknown op ${(0, errors_1.quote)(t)} (native ops: a f r l u i x)`);
    }
    failNum(buf, p, line, field) {
        const t = token(buf, p);
        if (t === '' || t.startsWith('#'))
            return this.fail(line, `missing ${field}`);
        if (/^-[0-9]+$/.test(t))
            return this.fail(line, `negative ${field}: ${t}`);
        return this.fail(line, `${field} is not a number: ${(0, errors_1.quote)(t)}`);
    }
    failOver(buf, p, q, line, field, limit) {
        const n = q - p; // digits only: safe to echo, but cut a long run
        return this.fail(line, `${field} over ${limit}: ${n <= 24 ? buf.toString('latin1', p, q) : `${buf.toString('latin1', p, p + 20)}... (${n} digits)`}`);
    }
    failAccess(buf, p, line) {
        const t = token(buf, p);
        if (t === '' || t.startsWith('#'))
            return this.fail(line, 'missing access kind (L, S or M)');
        return this.fail(line, `access kind must be L, S or M, not ${(0, errors_1.quote)(t)}`);
    }
}
exports.NativeParser = NativeParser;
/** The text of a comment from `s` to the newline at `nl`: one leading blank and a CR dropped. */
function commentText(buf, s, nl) {
    let e = nl;
    if (e > s && buf[e - 1] === CR)
        e--;
    if (s < e && buf[s] === SP)
        s++;
    return buf.toString('utf8', s, e);
}
/** The blank-delimited token at p (for error messages), at most 40 characters. */
function token(buf, p) {
    let e = p;
    while (e < buf.length && e - p < 40) {
        const c = buf[e];
        if (c === SP || c === TAB || c === LF || c === CR)
            break;
        e++;
    }
    return buf.toString('utf8', p, e);
}
