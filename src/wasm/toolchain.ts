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
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SimError } from '../errors';
import { instrumentWasm, INSTRUMENT_VERSION } from './instrument';

/** The Debian packages the C toolchain needs (README and .ci/run name the same). */
export const TOOLCHAIN_PACKAGES = 'clang lld wasi-libc libclang-rt-14-dev-wasm32';
export const INSTALL_LINE = `apt-get install ${TOOLCHAIN_PACKAGES}`;

/** Required and optional exports of the contract (include/rmalloc_sim.h). */
export const REQUIRED_EXPORTS = ['rsim_init', 'rsim_malloc', 'rsim_free'] as const;
export const OPTIONAL_EXPORTS = [
  'rsim_realloc', 'rsim_largest_free', 'rsim_free_bytes', 'rsim_usable_size', 'rsim_walk', 'rsim_block_size', 'rsim_fixed_overhead',
] as const;

/** C stack bytes given to the allocator (statics and stack are device RAM: keep them small). */
export const STACK_BYTES = 8192;

const INCLUDE_DIR = path.resolve(__dirname, '..', '..', 'include');

export function cacheDir(): string {
  const env = process.env.RMALLOC_SIM_CACHE;
  if (env) return path.join(env, 'wasm');
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'rmalloc-sim', 'wasm');
}

/** Splits a --cflags string at blanks (quotes group words: -DNAME="a b"). */
export function splitFlags(s: string | undefined): string[] {
  if (!s) return [];
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  let cur = '';
  let last = -1;
  while ((m = re.exec(s)) !== null) {
    const piece = m[1] ?? m[2] ?? m[3] ?? '';
    if (last === m.index && cur !== '') cur += piece;
    else {
      if (cur !== '') out.push(cur);
      cur = piece;
    }
    last = re.lastIndex;
  }
  if (cur !== '') out.push(cur);
  return out;
}

function baseArgs(cflags: readonly string[]): string[] {
  return ['--target=wasm32-wasi', '--sysroot=/usr', '-O2', '-I', INCLUDE_DIR, ...cflags];
}

function clangPath(): string {
  return process.env.RMALLOC_SIM_CLANG || 'clang';
}

function runClang(args: string[], files: readonly string[]): { stdout: Buffer; stderr: string } {
  // clang runs wasm-opt after linking when it finds one on the PATH; npm puts binaryen's there
  // (node_modules/.bin), which would strip the function names the instrumentation looks for
  // and make the build depend on how rmalloc-sim was started. Leave node_modules out.
  const PATH = (process.env.PATH ?? '').split(path.delimiter).filter((d) => !d.includes('node_modules')).join(path.delimiter);
  const r = spawnSync(clangPath(), args, { maxBuffer: 256 << 20, env: { ...process.env, PATH } });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new SimError('ALLOCATOR_BUILD', `no C compiler: ${clangPath()} is not installed; install the toolchain: ${INSTALL_LINE}`);
    throw new SimError('ALLOCATOR_BUILD', `${clangPath()}: ${r.error.message}`);
  }
  const stderr = r.stderr.toString();
  if (r.status !== 0) throw compileError(stderr, files);
  return { stdout: r.stdout, stderr };
}

/** The one-line SimError for a failed clang run: the first error with its file and line. */
export function compileError(stderr: string, files: readonly string[]): SimError {
  const m = /^(.+?):(\d+):(?:\d+:)? (?:fatal )?error: (.+)$/m.exec(stderr);
  if (m) return new SimError('ALLOCATOR_BUILD', `error: ${m[3]!.trim()}`, { file: m[1]!, line: Number(m[2]) });
  const missing = /symbol exported via --export not found: (\S+)/.exec(stderr);
  if (missing)
    return new SimError('ALLOCATOR_BUILD', `the allocator does not define ${missing[1]}, which rmalloc-sim requires (see include/rmalloc_sim.h)`, { file: files[0]! });
  if (/libclang_rt\.builtins-wasm32|unable to find library|cannot open .*wasm32|crt1|wasm-ld.*not found|invalid linker name|No such file or directory.*(wasm-ld|wasm32-wasi)/.test(stderr) || /'(stdio|stddef|string|stdint|stdlib)\.h' file not found/.test(stderr))
    return new SimError('ALLOCATOR_BUILD', `the wasm32 C toolchain is incomplete (${firstLine(stderr)}); install it: ${INSTALL_LINE}`);
  const undef = /undefined symbol: (\S+)/.exec(stderr);
  if (undef) return new SimError('ALLOCATOR_BUILD', `link failed: undefined symbol ${undef[1]}`, { file: files[0]! });
  return new SimError('ALLOCATOR_BUILD', `clang failed: ${firstLine(stderr)}`, { file: files[0]! });
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
}

/** What a build produced: the instrumented module's bytes and where they are cached. */
export interface BuiltModule {
  key: string;
  file: string;
  bytes: Uint8Array;
}

/** The cache key of a C allocator (preprocessed sources + flags) or of a prebuilt .wasm. */
export function buildKey(files: readonly string[], cflags: readonly string[]): string {
  const h = crypto.createHash('sha256');
  h.update(`rmalloc-sim-wasm ${INSTRUMENT_VERSION} stack=${STACK_BYTES}\n`);
  h.update(JSON.stringify(cflags) + '\n');
  for (const f of files) {
    if (!fs.existsSync(f)) throw new SimError('ALLOCATOR_UNKNOWN', `no such file`, { file: f });
    if (f.endsWith('.wasm')) h.update(fs.readFileSync(f));
    else h.update(runClang([...baseArgs(cflags), '-E', '-P', f], [f]).stdout);
    h.update('\0');
  }
  return h.digest('hex').slice(0, 32);
}

function writeAtomic(file: string, bytes: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

/** Builds (or finds in the cache) the instrumented module for these C files or this .wasm. */
export async function buildAllocator(files: readonly string[], cflags: readonly string[]): Promise<BuiltModule> {
  const key = buildKey(files, cflags);
  const file = path.join(cacheDir(), `${key}.wasm`);
  if (fs.existsSync(file)) return { key, file, bytes: new Uint8Array(fs.readFileSync(file)) };
  let raw: Uint8Array;
  const wasmFiles = files.filter((f) => f.endsWith('.wasm'));
  if (wasmFiles.length > 0) {
    if (files.length > 1) throw new SimError('USAGE', 'a prebuilt .wasm allocator is one file; it cannot be combined with others', { file: files[0]! });
    raw = new Uint8Array(fs.readFileSync(files[0]!));
  } else {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-sim-cc-'));
    try {
      const out = path.join(tmpDir, 'alloc.wasm');
      const args = [
        ...baseArgs(cflags), '-mexec-model=reactor', '-o', out, ...files,
        '-Wl,--import-memory', `-Wl,-z,stack-size=${STACK_BYTES}`,
        '-Wl,--export=__heap_base', '-Wl,--export=__data_end',
        ...REQUIRED_EXPORTS.map((e) => `-Wl,--export=${e}`),
        ...OPTIONAL_EXPORTS.map((e) => `-Wl,--export-if-defined=${e}`),
      ];
      runClang(args, files);
      raw = new Uint8Array(fs.readFileSync(out));
    } finally {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
  }
  const bytes = await instrumentWasm(raw, files[0]!);
  writeAtomic(file, bytes);
  return { key, file, bytes };
}

/** The cached module of a key, or undefined (worker threads load what the main thread built). */
export function cachedModule(key: string): Uint8Array | undefined {
  const file = path.join(cacheDir(), `${key}.wasm`);
  return fs.existsSync(file) ? new Uint8Array(fs.readFileSync(file)) : undefined;
}
