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
exports.AtomicFile = void 0;
exports.tempPathFor = tempPathFor;
exports.writeFileAtomic = writeFileAtomic;
exports.writeFilesAtomic = writeFilesAtomic;
exports.ensureDir = ensureDir;
exports.sameFile = sameFile;
/**
 * Outputs are written whole or not at all: into a temporary file `.<name>.<pid>.tmp` in the
 * target's folder (so the rename stays on one file system and is atomic), then renamed over
 * the target. The temporary file is registered with src/util/cleanup.ts, so an error or a
 * signal removes it. File-system failures become one-line SimError('IO') messages.
 */
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const errors_1 = require("../errors");
const cleanup_1 = require("./cleanup");
/** The temporary name an output is written under before its rename. */
function tempPathFor(file) {
    return path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
}
/** Checks that the folder of `file` exists and `file` is not a folder. */
function checkTarget(file) {
    const dir = path.dirname(path.resolve(file));
    let st;
    try {
        st = fs.statSync(dir);
    }
    catch {
        throw new errors_1.SimError('IO', `cannot write: folder ${dir} does not exist`, { file });
    }
    if (!st.isDirectory())
        throw new errors_1.SimError('IO', `cannot write: ${dir} is not a folder`, { file });
    let t;
    try {
        t = fs.statSync(file);
    }
    catch {
        return;
    }
    if (t.isDirectory())
        throw new errors_1.SimError('IO', 'cannot write: is a folder', { file });
}
/** Writes `data` to `file` whole or not at all. */
function writeFileAtomic(file, data) {
    checkTarget(file);
    const tmp = tempPathFor(file);
    (0, cleanup_1.registerTemp)(tmp);
    try {
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, file);
        (0, cleanup_1.releaseTemp)(tmp);
    }
    catch (e) {
        (0, cleanup_1.removeTemp)(tmp);
        throw new errors_1.SimError('IO', `cannot write: ${(0, errors_1.describeFsError)(e)}`, { file });
    }
}
/** Writes several files all-or-nothing as far as the file system allows: all temps first, then renames. */
function writeFilesAtomic(files) {
    const tmps = [];
    let at = '';
    try {
        for (const f of files) {
            at = f.file;
            checkTarget(f.file);
            const tmp = tempPathFor(f.file);
            (0, cleanup_1.registerTemp)(tmp);
            tmps.push(tmp);
            fs.writeFileSync(tmp, f.data);
        }
        files.forEach((f, i) => {
            at = f.file;
            fs.renameSync(tmps[i], f.file);
            (0, cleanup_1.releaseTemp)(tmps[i]);
        });
    }
    catch (e) {
        for (const t of tmps)
            (0, cleanup_1.removeTemp)(t);
        if (e instanceof errors_1.SimError)
            throw e;
        throw new errors_1.SimError('IO', `cannot write: ${(0, errors_1.describeFsError)(e)}`, { file: at });
    }
}
/**
 * Creates an output folder (and its parents) if missing. A path that exists but is not a
 * folder, or cannot be created, is a one-line SimError('IO') naming the option.
 */
function ensureDir(dir, what = 'output folder') {
    try {
        fs.mkdirSync(dir, { recursive: true });
    }
    catch (e) {
        const code = e.code;
        if (code === 'EEXIST' || code === 'ENOTDIR')
            throw new errors_1.SimError('IO', `${what} exists and is not a folder`, { file: dir });
        throw new errors_1.SimError('IO', `cannot create ${what}: ${(0, errors_1.describeFsError)(e)}`, { file: dir });
    }
}
/** True when `a` and `b` name the same existing file (same device and inode: links, symlinks, ../). */
function sameFile(a, b) {
    try {
        const x = fs.statSync(a);
        const y = fs.statSync(b);
        return x.dev === y.dev && x.ino === y.ino;
    }
    catch {
        return false;
    }
}
/**
 * A write stream onto a temporary file that becomes `file` on commit() and disappears on
 * abort() (or on an error or signal before commit).
 */
class AtomicFile {
    file;
    tmp;
    stream;
    constructor(file) {
        checkTarget(file);
        this.file = file;
        this.tmp = tempPathFor(file);
        (0, cleanup_1.registerTemp)(this.tmp);
        this.stream = fs.createWriteStream(this.tmp);
    }
    /** Renames the (finished, closed) temporary file over the target. */
    commit() {
        try {
            fs.renameSync(this.tmp, this.file);
            (0, cleanup_1.releaseTemp)(this.tmp);
        }
        catch (e) {
            (0, cleanup_1.removeTemp)(this.tmp);
            throw new errors_1.SimError('IO', `cannot write: ${(0, errors_1.describeFsError)(e)}`, { file: this.file });
        }
    }
    /** Drops the temporary file. */
    abort() {
        this.stream.destroy();
        (0, cleanup_1.removeTemp)(this.tmp);
    }
}
exports.AtomicFile = AtomicFile;
