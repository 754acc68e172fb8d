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
exports.inputPath = inputPath;
exports.isSpooled = isSpooled;
exports.needsSpool = needsSpool;
exports.spoolInput = spoolInput;
exports.spoolInputs = spoolInputs;
/**
 * Traces from pipes: `-t -` (stdin), `-t <(zcat T)` (/dev/fd/N), named FIFOs and other
 * non-seekable inputs are copied once into a private temporary file (removed at exit, also on
 * a signal) before they are read, because the reader looks at a file's head, may read it more
 * than once and seeks. Disk use is the trace's size; memory stays constant.
 *
 * A FIFO whose writer has not opened it yet blocks the open: after a second the user is told
 * what the program waits for (Ctrl-C then exits 130 and leaves nothing behind).
 */
const fs = __importStar(require("node:fs"));
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const promises_1 = require("node:stream/promises");
const errors_1 = require("../errors");
const cleanup_1 = require("../util/cleanup");
const spooled = new Map();
/** How long a FIFO open may block before the user is told what is awaited. */
const FIFO_NOTICE_MS = 1000;
/** The file to open for a trace path: its spooled copy when it was a pipe, else itself. */
function inputPath(p) {
    return spooled.get(p) ?? p;
}
/** Whether `p` was spooled. */
function isSpooled(p) {
    return spooled.has(p);
}
/** Whether `p` must be spooled: `-`, or an existing path that is neither a file nor a folder. */
function needsSpool(p) {
    if (p === '-')
        return true;
    try {
        const st = fs.statSync(p);
        return !st.isFile() && !st.isDirectory();
    }
    catch {
        return false; // missing: the reader says so
    }
}
/** Copies a pipe, FIFO or stdin (`-`) into a private temporary file once. */
async function spoolInput(p) {
    if (spooled.has(p) || !needsSpool(p))
        return;
    if (p === '-' && process.stdin.isTTY)
        throw new errors_1.SimError('USAGE', 'stdin is a terminal: pipe a trace into it (e.g. zcat T.gz | rmalloc-sim ... -t -)', { file: '-' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-sim-in-'));
    (0, cleanup_1.registerTemp)(dir);
    const copy = path.join(dir, 'input');
    const src = p === '-' ? process.stdin : fs.createReadStream(p);
    // A FIFO open blocks a thread until a writer comes, and a blocked thread keeps the process
    // from exiting (on Ctrl-C): at exit, open the FIFO for writing once, which releases it.
    const release = p === '-' ? () => true : (0, cleanup_1.addExitHook)(() => fs.closeSync(fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)));
    src.once('open', () => release());
    const notice = setTimeout(() => process.stderr.write(`rmalloc-sim: ${p}: waiting for a writer on this pipe (Ctrl-C to stop)\n`), FIFO_NOTICE_MS);
    src.once('data', () => clearTimeout(notice));
    try {
        await (0, promises_1.pipeline)(src, fs.createWriteStream(copy));
    }
    catch (e) {
        throw new errors_1.SimError('IO', `cannot read: ${(0, errors_1.describeFsError)(e)}`, { file: p });
    }
    finally {
        clearTimeout(notice);
        release();
    }
    spooled.set(p, copy);
}
/** Spools every path of a list that needs it. */
async function spoolInputs(paths) {
    for (const p of paths)
        await spoolInput(p);
}
