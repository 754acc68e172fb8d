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
exports.STACK_BYTES = exports.OPTIONAL_EXPORTS = exports.REQUIRED_EXPORTS = exports.INSTALL_LINE = exports.TOOLCHAIN_PACKAGES = void 0;
exports.cacheDir = cacheDir;
exports.splitFlags = splitFlags;
exports.compileError = compileError;
exports.buildKey = buildKey;
exports.buildAllocator = buildAllocator;
exports.cachedModule = cachedModule;
/**
 * Builds a user's C allocator into an instrumented wasm32 module, once per content (design §5a).
 *
 * How it works
 * ------------
 * 1. Key: SHA-256 over this builder's version, the compile flags, and each C file preprocessed
 *    by clang (`clang -E`, so every header it includes counts, not just the .c file), or over
 *    the bytes of a prebuilt `.wasm`.
 * 2. Cache: `<cache>/<key>.wasm` under $RMALLOC_SIM_CACHE or ~/.cache/rmalloc-sim/wasm. A hit
 *    skips everything below. Writes go to a temporary file in the same folder and are renamed
 *    into place, so processes building the same allocator at once never see a half file (the
 *    last rename wins; both wrote the same bytes).
 * 3. Compile and link with Debian's clang + lld + wasi-libc (+ libclang-rt-14-dev-wasm32, the
 *    builtins without which every link fails): wasm32-wasi, -O2, reactor model (no main), the
 *    memory imported (rmalloc-sim lays it out, src/wasm/runtime.ts), an 8 KiB C stack, the
 *    contract's functions exported (the optional ones when defined), include/ on the path.
 * 4. Instrument (src/wasm/instrument.ts, binaryen) and store.
 *
 * Errors are SimErrors (one line, exit 2): clang's first `file:line: error:` message for a
 * compile error, the name of a missing required function, the install line when clang, lld,
 * wasi-libc or the wasm32 builtins are missing.
 */
const node_child_process_1 = require("node:child_process");
const crypto = __importStar(require("node:crypto"));
const fs = __importStar(require("node:fs"));
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const errors_1 = require("../errors");
const instrument_1 = require("./instrument");
/** The Debian packages the C toolchain needs (README and .ci/run name the same). */
exports.TOOLCHAIN_PACKAGES = 'clang lld wasi-libc libclang-rt-14-dev-wasm32';
exports.INSTALL_LINE = `apt-get install ${exports.TOOLCHAIN_PACKAGES}`;
/** Required and optional exports of the contract (include/rmalloc_sim.h). */
exports.REQUIRED_EXPORTS = ['rsim_init', 'rsim_malloc', 'rsim_free'];
exports.OPTIONAL_EXPORTS = [
    'rsim_realloc', 'rsim_largest_free', 'rsim_free_bytes', 'rsim_usable_size', 'rsim_walk', 'rsim_block_size', 'rsim_fixed_overhead',
];
/** C stack bytes given to the allocator (statics and stack are device RAM: keep them small). */
exports.STACK_BYTES = 8192;
const INCLUDE_DIR = path.resolve(__dirname, '..', '..', 'include');
function cacheDir() {
    const env = process.env.RMALLOC_SIM_CACHE;
    if (env)
        return path.join(env, 'wasm');
    const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
    return path.join(xdg, 'rmalloc-sim', 'wasm');
}
/** Splits a --cflags string at blanks (quotes group words: -DNAME="a b"). */
function splitFlags(s) {
    if (!s)
        return [];
    const out = [];
    const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
    let m;
    let cur = '';
    let last = -1;
    while ((m = re.exec(s)) !== null) {
        const piece = m[1] ?? m[2] ?? m[3] ?? '';
        if (last === m.index && cur !== '')
            cur += piece;
        else {
            if (cur !== '')
                out.push(cur);
            cur = piece;
        }
        last = re.lastIndex;
    }
    if (cur !== '')
        out.push(cur);
    return out;
}
function baseArgs(cflags) {
    return ['--target=wasm32-wasi', '--sysroot=/usr', '-O2', '-I', INCLUDE_DIR, ...cflags];
}
function clangPath() {
    return process.env.RMALLOC_SIM_CLANG || 'clang';
}
function runClang(args, files) {
    // clang runs wasm-opt after linking when it finds one on the PATH; npm puts binaryen's there
    // (node_modules/.bin), which would strip the function names the instrumentation looks for
    // and make the build depend on how rmalloc-sim was started. Leave node_modules out.
    const PATH = (process.env.PATH ?? '').split(path.delimiter).filter((d) => !d.includes('node_modules')).join(path.delimiter);
    const r = (0, node_child_process_1.spawnSync)(clangPath(), args, { maxBuffer: 256 << 20, env: { ...process.env, PATH } });
    if (r.error) {
        if (r.error.code === 'ENOENT')
            throw new errors_1.SimError('ALLOCATOR_BUILD', `no C compiler: ${clangPath()} is not installed; install the toolchain: ${exports.INSTALL_LINE}`);
        throw new errors_1.SimError('ALLOCATOR_BUILD', `${clangPath()}: ${r.error.message}`);
    }
    const stderr = r.stderr.toString();
    if (r.status !== 0)
        throw compileError(stderr, files);
    return { stdout: r.stdout, stderr };
}
/** The one-line SimError for a failed clang run: the first error with its file and line. */
function compileError(stderr, files) {
    const m = /^(.+?):(\d+):(?:\d+:)? (?:fatal )?error: (.+)$/m.exec(stderr);
    if (m)
        return new errors_1.SimError('ALLOCATOR_BUILD', `error: ${m[3].trim()}`, { file: m[1], line: Number(m[2]) });
    const missing = /symbol exported via --export not found: (\S+)/.exec(stderr);
    if (missing)
        return new errors_1.SimError('ALLOCATOR_BUILD', `the allocator does not define ${missing[1]}, which rmalloc-sim requires (see include/rmalloc_sim.h)`, { file: files[0] });
    if (/libclang_rt\.builtins-wasm32|unable to find library|cannot open .*wasm32|crt1|wasm-ld.*not found|invalid linker name|No such file or directory.*(wasm-ld|wasm32-wasi)/.test(stderr) || /'(stdio|stddef|string|stdint|stdlib)\.h' file not found/.test(stderr))
        return new errors_1.SimError('ALLOCATOR_BUILD', `the wasm32 C toolchain is incomplete (${firstLine(stderr)}); install it: ${exports.INSTALL_LINE}`);
    const undef = /undefined symbol: (\S+)/.exec(stderr);
    if (undef)
        return new errors_1.SimError('ALLOCATOR_BUILD', `link failed: undefined symbol ${undef[1]}`, { file: files[0] });
    return new errors_1.SimError('ALLOCATOR_BUILD', `clang failed: ${firstLine(stderr)}`, { file: files[0] });
}
function firstLine(s) {
    return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
}
/** The cache key of a C allocator (preprocessed sources + flags) or of a prebuilt .wasm. */
function buildKey(files, cflags) {
    const h = crypto.createHash('sha256');
    h.update(`rmalloc-sim-wasm ${instrument_1.INSTRUMENT_VERSION} stack=${exports.STACK_BYTES}\n`);
    h.update(JSON.stringify(cflags) + '\n');
    for (const f of files) {
        if (!fs.existsSync(f))
            throw new errors_1.SimError('ALLOCATOR_UNKNOWN', `no such file`, { file: f });
        if (f.endsWith('.wasm'))
            h.update(fs.readFileSync(f));
        else
            h.update(runClang([...baseArgs(cflags), '-E', '-P', f], [f]).stdout);
        h.update('\0');
    }
    return h.digest('hex').slice(0, 32);
}
function writeAtomic(file, bytes) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
}
/** Builds (or finds in the cache) the instrumented module for these C files or this .wasm. */
async function buildAllocator(files, cflags) {
    const key = buildKey(files, cflags);
    const file = path.join(cacheDir(), `${key}.wasm`);
    if (fs.existsSync(file))
        return { key, file, bytes: new Uint8Array(fs.readFileSync(file)) };
    let raw;
    const wasmFiles = files.filter((f) => f.endsWith('.wasm'));
    if (wasmFiles.length > 0) {
        if (files.length > 1)
            throw new errors_1.SimError('USAGE', 'a prebuilt .wasm allocator is one file; it cannot be combined with others', { file: files[0] });
        raw = new Uint8Array(fs.readFileSync(files[0]));
    }
    else {
        const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-sim-cc-'));
        try {
            const out = path.join(tmpDir, 'alloc.wasm');
            const args = [
                ...baseArgs(cflags), '-mexec-model=reactor', '-o', out, ...files,
                '-Wl,--import-memory', `-Wl,-z,stack-size=${exports.STACK_BYTES}`,
                '-Wl,--export=__heap_base', '-Wl,--export=__data_end',
                ...exports.REQUIRED_EXPORTS.map((e) => `-Wl,--export=${e}`),
                ...exports.OPTIONAL_EXPORTS.map((e) => `-Wl,--export-if-defined=${e}`),
            ];
            runClang(args, files);
            raw = new Uint8Array(fs.readFileSync(out));
        }
        finally {
            fs.rmSync(tmpDir, { recursive: true, force: true });
        }
    }
    const bytes = await (0, instrument_1.instrumentWasm)(raw, files[0]);
    writeAtomic(file, bytes);
    return { key, file, bytes };
}
/** The cached module of a key, or undefined (worker threads load what the main thread built). */
function cachedModule(key) {
    const file = path.join(cacheDir(), `${key}.wasm`);
    return fs.existsSync(file) ? new Uint8Array(fs.readFileSync(file)) : undefined;
}
