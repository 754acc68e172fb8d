"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SimError = void 0;
exports.printable = printable;
exports.quote = quote;
exports.describeFsError = describeFsError;
class SimError extends Error {
    code;
    /** File the error is about (a trace, a device profile), if any. */
    file;
    /** 1-based line in `file`, if any. */
    line;
    /** Exit code the CLI uses: 2 for bad input (default), 1 for a problem the user asked about. */
    exitCode;
    constructor(code, message, where = {}) {
        super(message);
        this.name = 'SimError';
        this.code = code;
        this.file = where.file;
        this.line = where.line;
        this.exitCode = where.exitCode ?? 2;
    }
    /**
     * `file:line: message (CODE)`, the one line the CLI prints: control and binary characters
     * escaped, the file name and the message each cut to a readable length.
     */
    oneLine() {
        let where = '';
        const file = this.file === undefined ? undefined : printable(this.file, MAX_ECHO_FILE);
        if (file !== undefined)
            where = this.line !== undefined ? `${file}:${this.line}: ` : `${file}: `;
        return `${where}${printable(this.message, MAX_ECHO_MESSAGE)} (${this.code})`;
    }
}
exports.SimError = SimError;
/** Longest file name and message echoed in an error line (characters). */
const MAX_ECHO_FILE = 200;
const MAX_ECHO_MESSAGE = 400;
/**
 * `s` made safe for a terminal: C0/C1 control characters (NUL, ESC, ...), DEL, the BOM and
 * unpaired surrogates or U+FFFD (undecodable bytes) are shown as `\xNN` / `\u{...}` escapes;
 * longer than `max` characters, the end is cut and the count of dropped characters said.
 */
function printable(s, max = 80) {
    let out = s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffd]|[\ud800-\udfff]/gu, (c) => {
        const n = c.codePointAt(0);
        return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
    });
    out = out.replace(/[\n\t]/g, (c) => (c === '\n' ? '\\n' : '\\t'));
    if (out.length > max) {
        const keep = Math.max(8, max - 24);
        out = `${out.slice(0, keep)}...(${out.length - keep} more characters)`;
    }
    return out;
}
/** What the user typed, quoted for an error message: `"abc"`, escaped and cut like printable(). */
function quote(s, max = 40) {
    return `"${printable(s, max)}"`;
}
/**
 * A Node file-system error as a short phrase with its errno code, e.g. `permission denied
 * [EACCES]`; anything else as its message.
 */
function describeFsError(e) {
    const err = e;
    if (err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
        const m = /^[A-Z]+: ([^,]+)/.exec(err.message ?? '');
        return `${m ? m[1] : err.message} [${err.code}]`;
    }
    return err instanceof Error ? err.message : String(e);
}
