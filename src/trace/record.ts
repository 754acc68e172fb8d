/**
 * The recorder: runs an unmodified, dynamically linked Linux program under the LD_PRELOAD
 * interposer (scripts/recorder/interpose.c) and turns its raw logs into native traces, one per
 * process image (fork children and exec'd images apart).
 *
 * - The interposer is compiled with the system C compiler (`$CC` or `cc`) on first use into a
 *   cache folder (`$RMALLOC_SIM_CACHE`, else `$XDG_CACHE_HOME/rmalloc-sim`, else
 *   `~/.cache/rmalloc-sim`), under a name keyed by a hash of the source and the compile command.
 * - Before running, the program is looked up in PATH and its ELF program headers are read: a
 *   binary without PT_INTERP is static and LD_PRELOAD cannot reach its malloc, which is a
 *   SimError('RECORD'), as is a missing program, a foreign architecture or a missing compiler.
 *   `#!` scripts are checked through their interpreter.
 * - Each raw log is converted by RawLogConverter (import-rawlog.ts) into a temporary body file
 *   while a TraceTally counts ops and peak live bytes; the final file is then the `#` header
 *   (program, command, process, date, platform, counts) followed by the body, gzipped with
 *   node:zlib when the name ends in .gz. Memory stays proportional to the live set, not the log.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { SimError } from '../errors';
import { log } from '../log';
import { AtomicFile, ignoreInterrupts, registerTemp } from '../util';
import { END_PROMISE, endLine } from './native';
import { RawLogConverter, shellQuote } from './import-rawlog';
import type { InheritedBlock, RawLogMeta, RawLogStats } from './import-rawlog';
import { OP_ALLOC, OP_FREE, OP_REALLOC } from './types';
import type { OpKind, OpSink, SkipCount } from './types';

/** The interposer source (same relative place from src/trace and dist/trace). */
export const INTERPOSER_SOURCE = path.resolve(__dirname, '..', '..', 'scripts', 'recorder', 'interpose.c');

const BASE_CC_FLAGS = ['-shared', '-fPIC', '-O2', '-fvisibility=hidden', '-o'];
const CC_LIBS = ['-ldl', '-lpthread'];

// ---- counting and writing native traces --------------------------------------------------------

/**
 * Counts a native op stream: ops by kind, ids, peak live bytes (running sum of requested sizes of
 * live ids; a realloc adds new minus old), largest size, live at end. Throws on an op that a
 * native reader would reject (alloc of a live id, free/realloc of a dead one): a generator bug.
 */
export class TraceTally {
  ops = 0;
  allocs = 0;
  frees = 0;
  reallocs = 0;
  live = 0;
  liveIds = 0;
  peakLive = 0;
  maxSize = 0;
  maxId = -1;
  private sizes: Float64Array = new Float64Array(1024).fill(-1);

  op(kind: OpKind, id: number, arg: number): void {
    if (id >= this.sizes.length) {
      let n = this.sizes.length;
      while (n <= id) n *= 2;
      const s = new Float64Array(n).fill(-1);
      s.set(this.sizes);
      this.sizes = s;
    }
    if (id > this.maxId) this.maxId = id;
    const cur = this.sizes[id] as number;
    this.ops++;
    if (kind === OP_ALLOC) {
      if (cur >= 0) throw new Error(`tally: alloc of live id ${id}`);
      this.sizes[id] = arg;
      this.live += arg;
      this.liveIds++;
      this.allocs++;
    } else if (kind === OP_FREE) {
      if (cur < 0) throw new Error(`tally: free of dead id ${id}`);
      this.sizes[id] = -1;
      this.live -= cur;
      this.liveIds--;
      this.frees++;
    } else if (kind === OP_REALLOC) {
      if (cur < 0) throw new Error(`tally: realloc of dead id ${id}`);
      this.sizes[id] = arg;
      this.live += arg - cur;
      this.reallocs++;
    }
    if (arg > this.maxSize && (kind === OP_ALLOC || kind === OP_REALLOC)) this.maxSize = arg;
    if (this.live > this.peakLive) this.peakLive = this.live;
  }
}

const OP_LETTER: readonly string[] = ['a', 'f', 'r', 'l', 'u', 'i'];

/**
 * Builds one native trace file: ops are appended to a temporary body file (bounded memory), the
 * header is written once the counts are known. `finish(path)` gzips when the path ends in .gz.
 */
export class NativeTraceBuilder {
  readonly tally = new TraceTally();
  private readonly bodyPath: string;
  private fd: number;
  private chunk = '';

  constructor(tmpDir: string) {
    this.bodyPath = path.join(tmpDir, `body-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
    this.fd = fs.openSync(this.bodyPath, 'w');
  }

  op(kind: OpKind, id: number, arg: number): void {
    if (this.fd < 0) throw new Error('NativeTraceBuilder: op after seal()');
    this.tally.op(kind, id, arg);
    if (kind === OP_ALLOC || kind === OP_REALLOC) this.chunk += `${OP_LETTER[kind]} ${id} ${arg}\n`;
    else if (kind === OP_FREE) this.chunk += `f ${id}\n`;
    else if (kind === 5) this.chunk += `i ${arg}\n`;
    else this.chunk += `${OP_LETTER[kind] ?? '?'} ${id}\n`;
    if (this.chunk.length > 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.chunk.length) fs.writeSync(this.fd, this.chunk);
    this.chunk = '';
  }

  /** Ends the body: flushes and closes the temporary file (no descriptor held while pending). */
  seal(): void {
    if (this.fd < 0) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** Writes header + body to `outPath` (gzip when it ends in .gz) and removes the body file. */
  async finish(outPath: string, header: readonly string[]): Promise<void> {
    this.seal();
    // The header promises the closing `# end: N ops` line (a cut copy is then an error when
    // read); the file is written under a temporary name and renamed when complete.
    const head = [...header.filter((h) => h.trim() !== END_PROMISE), ` ${END_PROMISE}`]
      .map((h) => `#${h.startsWith(' ') || h === '' ? '' : ' '}${h.replace(/\n/g, ' ')}\n`)
      .join('');
    const bodyPath = this.bodyPath;
    const ops = this.tally.ops;
    async function* content(): AsyncGenerator<Buffer> {
      yield Buffer.from(head);
      for await (const c of fs.createReadStream(bodyPath, { highWaterMark: 1 << 20 })) yield c as Buffer;
      yield Buffer.from(`${endLine(ops)}\n`);
    }
    let out: AtomicFile | undefined;
    try {
      fs.mkdirSync(path.dirname(path.resolve(outPath)), { recursive: true });
      out = new AtomicFile(outPath);
      if (outPath.endsWith('.gz')) await pipeline(Readable.from(content()), zlib.createGzip({ level: 9 }), out.stream);
      else await pipeline(Readable.from(content()), out.stream);
      out.commit();
    } catch (e) {
      out?.abort();
      if (e instanceof SimError) throw e;
      throw new SimError('IO', `cannot write trace: ${(e as Error).message}`, { file: outPath });
    } finally {
      fs.rmSync(bodyPath, { force: true });
    }
  }

  /** Drops the body without writing a trace. */
  discard(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    fs.rmSync(this.bodyPath, { force: true });
  }
}

// ---- the program to record -------------------------------------------------------------------

/** ELF e_machine for the architectures node runs on. */
const ELF_MACHINE: Record<string, number> = { ia32: 3, arm: 40, x64: 62, arm64: 183, riscv64: 243, ppc64: 21, s390x: 22, loong64: 258 };

export type ProgramKind =
  | { kind: 'elf'; interp: string | null; machine: number; bits: 32 | 64 }
  | { kind: 'script'; interp: string }
  | { kind: 'other' };

/** Reads just enough of a file to tell a dynamic ELF, a static ELF and a `#!` script apart. */
export function inspectProgram(file: string): ProgramKind {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new SimError('RECORD', `cannot open program: ${(e as Error).message}`, { file });
  }
  try {
    const head = Buffer.alloc(256);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (n >= 2 && head[0] === 0x23 && head[1] === 0x21) {
      const first = head.subarray(2, n).toString('latin1').split('\n')[0] ?? '';
      const interp = first.trim().split(/\s+/)[0] ?? '';
      return interp ? { kind: 'script', interp } : { kind: 'other' };
    }
    if (n < 52 || head.readUInt32BE(0) !== 0x7f454c46) return { kind: 'other' };
    const bits = head[4] === 2 ? 64 : 32;
    const le = head[5] === 1;
    const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u64 = (b: Buffer, o: number): number => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    const machine = u16(head, 18);
    const phoff = bits === 64 ? u64(head, 32) : u32(head, 28);
    const phentsize = u16(head, bits === 64 ? 54 : 42);
    const phnum = u16(head, bits === 64 ? 56 : 44);
    if (phnum === 0 || phentsize < (bits === 64 ? 56 : 32)) return { kind: 'elf', interp: null, machine, bits };
    const ph = Buffer.alloc(phentsize * phnum);
    if (fs.readSync(fd, ph, 0, ph.length, phoff) !== ph.length) throw new SimError('RECORD', 'truncated ELF program headers', { file });
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      if (u32(ph, o) !== 3 /* PT_INTERP */) continue;
      const off = bits === 64 ? u64(ph, o + 8) : u32(ph, o + 4);
      const size = bits === 64 ? u64(ph, o + 32) : u32(ph, o + 16);
      const buf = Buffer.alloc(Math.min(size, 4096));
      fs.readSync(fd, buf, 0, buf.length, off);
      return { kind: 'elf', interp: buf.toString('latin1').replace(/\0.*$/s, ''), machine, bits };
    }
    return { kind: 'elf', interp: null, machine, bits };
  } finally {
    fs.closeSync(fd);
  }
}

/** Finds `cmd` like execvp does; SimError('RECORD') when it is missing or not executable. */
export function findProgram(cmd: string, envPath = process.env.PATH ?? '', cwd = process.cwd()): string {
  const isExec = (p: string): boolean => {
    try {
      const st = fs.statSync(p);
      if (!st.isFile()) return false;
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) {
    const p = path.resolve(cwd, cmd);
    if (!fs.existsSync(p)) throw new SimError('RECORD', `program not found: ${cmd}`);
    if (!isExec(p)) throw new SimError('RECORD', `program is not an executable file: ${cmd}`);
    return p;
  }
  for (const dir of envPath.split(':')) {
    const p = path.resolve(cwd, dir || '.', cmd);
    if (isExec(p)) return p;
  }
  throw new SimError('RECORD', `program not found in PATH: ${cmd}`);
}

/** The ELF that will run and its pointer size in bits. */
export interface RecordableProgram {
  file: string;
  bits: 32 | 64;
}

/** Pointer bits of the host's own programs. */
export const HOST_BITS: 32 | 64 = process.arch.endsWith('64') || process.arch === 's390x' ? 64 : 32;

/**
 * Whether an ELF of (machine, bits) is one the recorder can interpose: the host's own kind, or
 * i386 (ELF32, EM_386) on an x86-64 host, where the interposer is built with `cc -m32`.
 */
function supportedElf(machine: number, bits: 32 | 64): boolean {
  const want = ELF_MACHINE[process.arch];
  if (want === undefined) return true;
  if (machine === want && bits === HOST_BITS) return true;
  return process.arch === 'x64' && machine === ELF_MACHINE.ia32 && bits === 32;
}

/** Checks that LD_PRELOAD can reach the program's malloc; returns the ELF that will run. */
export function checkRecordable(program: string, envPath?: string): RecordableProgram {
  let file = program;
  for (let depth = 0; depth < 5; depth++) {
    const k = inspectProgram(file);
    if (k.kind === 'script') {
      file = findProgram(k.interp, envPath);
      continue;
    }
    if (k.kind === 'other') {
      throw new SimError('RECORD', 'not an ELF executable or #! script: cannot record it', { file });
    }
    if (!supportedElf(k.machine, k.bits)) {
      const also = process.arch === 'x64' ? ' and i386' : '';
      throw new SimError('RECORD', `built for another architecture (ELF machine ${k.machine}, ${k.bits}-bit); the recorder runs ${process.arch}${also} programs`, { file });
    }
    if (k.interp === null) {
      throw new SimError(
        'RECORD',
        'statically linked program (no PT_INTERP program header): LD_PRELOAD cannot interpose its malloc; record a dynamically linked build',
        { file },
      );
    }
    return { file, bits: k.bits };
  }
  throw new SimError('RECORD', 'too many nested #! interpreters', { file: program });
}

/** `--arch` names → pointer bits (x86 hosts: the host's class and i386). */
export const ARCH_BITS: Readonly<Record<string, 32 | 64>> = { i386: 32, i686: 32, ia32: 32, x86_64: 64, amd64: 64, x64: 64 };

/** The --arch name printed for a pointer size on this host. */
export function archName(bits: 32 | 64): string {
  if (process.arch === 'x64' || process.arch === 'ia32') return bits === 32 ? 'i386' : 'x86_64';
  return process.arch;
}

/**
 * The emulator the kernel runs i386 programs through, if binfmt_misc has one registered for
 * them (e.g. qemu-i386-static on a kernel without IA-32 emulation); null when none is.
 */
export function i386Emulator(): string | null {
  const dir = '/proc/sys/fs/binfmt_misc';
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  for (const n of names) {
    if (n === 'register' || n === 'status') continue;
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, n), 'utf8');
    } catch {
      continue;
    }
    if (!/^enabled$/m.test(text)) continue;
    const magic = /^magic ([0-9a-f]+)$/m.exec(text)?.[1] ?? '';
    const interp = /^interpreter (\S+)$/m.exec(text)?.[1];
    // ELF, 32-bit, little-endian, e_machine 3 (EM_386) at byte 18.
    if (interp && magic.startsWith('7f454c460101') && magic.slice(36, 40) === '0300') return path.basename(interp);
  }
  return null;
}

// ---- building the interposer -----------------------------------------------------------------

/** Where the compiled interposer is cached. */
export function defaultCacheDir(): string {
  if (process.env.RMALLOC_SIM_CACHE) return path.resolve(process.env.RMALLOC_SIM_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'rmalloc-sim');
}

export interface BuildOptions {
  /** C compiler command (default `$CC`, else `cc`). */
  cc?: string;
  cacheDir?: string;
}

/** Where the interposers live: the cache folder, unless its path cannot go into LD_PRELOAD. */
function preloadableCacheDir(opts: BuildOptions): string {
  const dir = opts.cacheDir ?? defaultCacheDir();
  // LD_PRELOAD splits on spaces and colons: such a path cannot be preloaded.
  return /[\s:]/.test(dir) ? path.join(os.tmpdir(), `rmalloc-sim-cache-${process.getuid?.() ?? 0}`) : dir;
}

/**
 * Compiles the interposer if needed and returns the shared object's path: for the host's own
 * programs, or with `bits` 32 on an x86-64 host for i386 programs (`cc -m32`, which needs a
 * 32-bit C library: Debian's gcc-multilib).
 */
export function ensureInterposer(opts: BuildOptions & { bits?: 32 | 64 } = {}): string {
  const cc = opts.cc ?? (process.env.CC || 'cc');
  const m32 = opts.bits === 32 && HOST_BITS === 64;
  const flags = m32 ? ['-m32', ...BASE_CC_FLAGS] : BASE_CC_FLAGS;
  let source: Buffer;
  try {
    source = fs.readFileSync(INTERPOSER_SOURCE);
  } catch {
    throw new SimError('RECORD', 'the interposer source is missing (scripts/recorder/interpose.c)', { file: INTERPOSER_SOURCE });
  }
  const hash = createHash('sha256').update(source).update('\0').update([cc, ...flags, ...CC_LIBS].join(' ')).digest('hex').slice(0, 16);
  const dir = preloadableCacheDir(opts);
  const so = path.join(dir, `interpose-${hash}.so`);
  if (fs.existsSync(so)) return so;
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new SimError('RECORD', `cannot create the cache folder: ${(e as Error).message}`, { file: dir });
  }
  const tmp = `${so}.tmp-${process.pid}`;
  log.info({ cc, so }, 'compiling the recorder interposer');
  const r = spawnSync(cc, [...flags, tmp, INTERPOSER_SOURCE, ...CC_LIBS], { encoding: 'utf8' });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SimError('RECORD', `no C compiler: "${cc}" not found; install one (apt-get install gcc) or set CC`);
    }
    throw new SimError('RECORD', `cannot run the C compiler "${cc}": ${r.error.message}`);
  }
  if (r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    const first = (r.stderr || r.stdout || '').split('\n').find((l) => l.trim()) ?? `exit status ${r.status}`;
    if (m32) {
      throw new SimError('RECORD', `compiling the 32-bit interposer (${cc} -m32) failed: ${first}; install a 32-bit C library (apt-get install gcc-multilib)`, { file: INTERPOSER_SOURCE });
    }
    throw new SimError('RECORD', `compiling the interposer failed: ${first}`, { file: INTERPOSER_SOURCE });
  }
  fs.renameSync(tmp, so);
  return so;
}

/**
 * The LD_PRELOAD value for interposers of both pointer sizes: glibc's loader expands `$LIB` to
 * its own library folder (`lib/x86_64-linux-gnu` or `lib/i386-linux-gnu` on Debian, `lib64`,
 * `lib32` or `lib` elsewhere), so one value reaches 64- and 32-bit processes of one process tree
 * alike. The folder of symbolic links that makes it work is built once in the cache.
 */
export function dualPreload(so64: string, so32: string, opts: BuildOptions = {}): string {
  const key = createHash('sha256').update(`${so64}\0${so32}`).digest('hex').slice(0, 16);
  const dir = path.join(preloadableCacheDir(opts), `preload-${key}`);
  if (!fs.existsSync(dir)) {
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    const links: [string, string][] = [
      ['lib/x86_64-linux-gnu', so64],
      ['lib64', so64],
      ['lib/i386-linux-gnu', so32],
      ['lib32', so32],
      ['lib', so32],
    ];
    for (const [sub, target] of links) {
      fs.mkdirSync(path.join(tmp, sub), { recursive: true });
      fs.symlinkSync(target, path.join(tmp, sub, 'interpose.so'));
    }
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another recorder made it first
    }
  }
  return `${dir}/$LIB/interpose.so`;
}

// ---- recording -------------------------------------------------------------------------------

export type StdioChoice = 'inherit' | 'ignore' | { file: string };

export interface RecordOptions extends BuildOptions {
  /** Program and arguments. */
  argv: string[];
  /** Folder for the traces (created if missing). */
  outDir: string;
  /** Write `.trace.gz` instead of `.trace`. */
  gzip?: boolean;
  /** Keep only traces whose program (argv[0] or exe basename) is one of these. */
  keep?: string[];
  /** Keep only the trace of the started process (its first image). */
  rootOnly?: boolean;
  /** Name of the one trace left after `keep` (error if there is not exactly one). */
  name?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  stdin?: StdioChoice;
  stdout?: StdioChoice;
  stderr?: StdioChoice;
  /** Keep the raw logs folder (its path is in the result). */
  keepRaw?: boolean;
  /** Extra `# note:` header lines (what the trace represents). */
  notes?: string[];
  /**
   * The architecture of the programs to record (`i386`, `x86_64`; see ARCH_BITS): it must match
   * the program's ELF class. Default: the class of the program itself (through `#!`).
   */
  arch?: string;
}

export interface RecordedTrace {
  path: string;
  pid: number;
  ppid: number;
  image: number;
  forked: boolean;
  /** The process the recorder started (not a child). */
  root: boolean;
  exe: string;
  args: string[];
  command: string;
  /** sizeof(void *) in the recorded process (0 if unknown). */
  pointerBytes: number;
  ops: number;
  allocs: number;
  frees: number;
  reallocs: number;
  ids: number;
  peakLive: number;
  maxSize: number;
  liveAtEnd: number;
  liveBytesAtEnd: number;
  calls: Record<string, number>;
  aligned: number;
  maxAlign: number;
  truncated: boolean;
  /** Blocks live in the parent at the fork, allocated by the first ops of a fork child's trace. */
  inherited: number;
  skipped: SkipCount[];
}

export interface RecordResult {
  command: string;
  traces: RecordedTrace[];
  /** Traces left out by `keep`. */
  dropped: number;
  exitCode: number | null;
  signal: string | null;
  rawDir: string | null;
}

function stdioFd(choice: StdioChoice | undefined, flags: string, opened: number[]): 'inherit' | 'ignore' | number {
  if (choice === undefined || choice === 'inherit' || choice === 'ignore') return choice ?? 'inherit';
  try {
    const fd = fs.openSync(choice.file, flags);
    opened.push(fd);
    return fd;
  } catch (e) {
    throw new SimError('IO', `cannot open: ${(e as Error).message}`, { file: choice.file });
  }
}

function programName(meta: RawLogMeta): string {
  const base = path.basename(meta.args[0] || meta.exe || 'program');
  return base.replace(/[^A-Za-z0-9_.+-]/g, '_') || 'program';
}

function platformLine(): string {
  const report = (process.report?.getReport?.() ?? {}) as { header?: { glibcVersionRuntime?: string } };
  const glibc = report.header?.glibcVersionRuntime;
  return `${os.type()} ${os.release()} ${os.machine()}${glibc ? `, glibc ${glibc}` : ''}`;
}

/** Reads a raw log (stopping at its zero-filled tail) and feeds its lines to `line`. */
function readRawLines(file: string, line: (text: string, lineNo: number) => void): void {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    const utf8 = new StringDecoder('utf8'); // header fields (paths, arguments) may be UTF-8
    let carry = '';
    let lineNo = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      let chunk = buf.subarray(0, n);
      const nul = chunk.indexOf(0);
      if (nul >= 0) chunk = chunk.subarray(0, nul);
      const text = carry + utf8.write(chunk);
      const parts = text.split('\n');
      carry = parts.pop() as string;
      for (const p of parts) line(p, ++lineNo);
      if (nul >= 0) {
        // End of the records: a non-empty carry is a record cut short (marked by its NUL).
        line(`${carry}\0`, ++lineNo);
        return;
      }
    }
    if (carry.length) line(`${carry}\0`, ++lineNo);
  } finally {
    fs.closeSync(fd);
  }
}

interface ConvertedLog {
  meta: RawLogMeta;
  stats: RawLogStats;
  builder: NativeTraceBuilder;
  skipped: SkipCount[];
}

const NULL_SINK: OpSink = { op: () => undefined, skip: () => undefined, comment: () => undefined };

/**
 * For a fork child: the blocks live in its parent at the fork, found by replaying the parent's
 * log (itself possibly a fork child) up to the fork's sequence number. Null if that log is gone.
 */
function inheritFrom(rawDir: string, meta: RawLogMeta, depth = 0): InheritedBlock[] | null {
  const from = meta.forkedFrom;
  if (!from || depth > 64) return null;
  const parentLog = path.join(rawDir, `raw.${from.pid}.${from.image}.log`);
  if (!fs.existsSync(parentLog)) return null;
  const conv = new RawLogConverter(parentLog, NULL_SINK, {
    stopAtSeq: from.seq,
    inherit: (m) => inheritFrom(rawDir, m, depth + 1),
  });
  readRawLines(parentLog, (t, n) => conv.line(t, n));
  conv.end();
  return conv.liveBlocks();
}

/** Converts one raw log into a pending native trace (body written, header not yet). */
function convertRawLog(file: string, tmpDir: string): ConvertedLog {
  const builder = new NativeTraceBuilder(tmpDir);
  const skips = new Map<string, SkipCount>();
  const sink: OpSink = {
    op: (kind, id, arg) => builder.op(kind, id, arg),
    skip: (reason, line) => {
      const s = skips.get(reason);
      if (s) s.count++;
      else skips.set(reason, { reason, count: 1, firstLine: line });
    },
    comment: () => undefined,
  };
  const conv = new RawLogConverter(file, sink, { inherit: (m) => inheritFrom(path.dirname(file), m) });
  try {
    readRawLines(file, (t, n) => conv.line(t, n));
    conv.end();
    builder.seal();
  } catch (e) {
    builder.discard();
    throw e;
  }
  return { meta: conv.meta, stats: conv.stats, builder, skipped: [...skips.values()] };
}

/** The `build:` header line of a trace recorded from a program of the other pointer size. */
function buildLine(bits: number): string | null {
  if (bits === 0 || bits === HOST_BITS) return null;
  const emu = bits === 32 && process.arch === 'x64' ? i386Emulator() : null;
  return ` build: ${archName(bits as 32 | 64)} (${bits}-bit program${emu ? `, run through ${emu} user-mode emulation` : ''})`;
}

function headerFor(c: ConvertedLog, root: boolean, date: string, notes: readonly string[]): string[] {
  const { meta, stats } = c;
  const bits = meta.pointerBytes * 8;
  const build = buildLine(bits);
  const t = c.builder.tally;
  let process = `pid ${meta.pid}, parent ${meta.ppid}`;
  if (root) process += ', started by the recorder';
  else if (meta.forked) process += ', fork child (parent program, no exec)';
  else if (meta.image > 0) process += `, image ${meta.image} of this pid (after exec)`;
  else process += ', child process';
  const calls = Object.entries(stats.calls)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const h = [
    ' rmalloc-sim native trace: a <id> <size> | f <id> | r <id> <size>',
    ` program: ${meta.exe}`,
    ` command: ${shellQuote(meta.args)}`,
    ...notes.map((n) => ` note: ${n}`),
    ...(meta.pointerBytes ? [` pointer-bytes: ${meta.pointerBytes}`] : []),
    ` process: ${process}`,
    ` date: ${date}`,
    ` platform: ${platformLine()}`,
    ...(build ? [build] : []),
    ' recorder: rmalloc-sim record (LD_PRELOAD interposer, scripts/recorder/interpose.c)',
    ` ops: ${t.ops} (allocs ${t.allocs}, frees ${t.frees}, reallocs ${t.reallocs}); ids: ${t.maxId + 1}; peak live bytes: ${t.peakLive}; max size: ${t.maxSize}`,
    ` live at end: ${t.liveIds} ids, ${t.live} bytes (not freed before exit)`,
    ` calls: ${calls || 'none'}`,
  ];
  if (meta.forkedFrom) {
    h.push(` inherited: ${stats.inherited} blocks (${stats.inheritedBytes} bytes) live in the parent (pid ${meta.forkedFrom.pid}) at the fork = the first ${stats.inherited} allocs`);
  }
  if (stats.aligned > 0) {
    h.push(` aligned allocations: ${stats.aligned} (largest alignment ${stats.maxAlign}), recorded as plain allocations of their requested size`);
  }
  const skipped = c.skipped.map((s) => `${s.reason} ${s.count}`).join('; ');
  h.push(` skipped: ${skipped || 'none'}`);
  return h;
}

function waitForExit(child: ReturnType<typeof spawn>): Promise<{ code: number | null; signal: string | null; error?: Error }> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Runs `argv` under the interposer and writes one native trace per process image. */
export async function record(opts: RecordOptions): Promise<RecordResult> {
  if (opts.argv.length === 0) throw new SimError('USAGE', 'record needs a program to run: rmalloc-sim record -- cmd args...');
  const env = { ...(opts.env ?? process.env) };
  const cwd = opts.cwd ?? process.cwd();
  const program = findProgram(opts.argv[0] as string, env.PATH ?? '', cwd);
  const elf = checkRecordable(program, env.PATH ?? '');
  if (opts.arch !== undefined) {
    const bits = ARCH_BITS[opts.arch.toLowerCase()];
    if (bits === undefined || (bits !== HOST_BITS && process.arch !== 'x64'))
      throw new SimError('USAGE', `--arch ${opts.arch} is not one this host records; known: ${process.arch === 'x64' ? 'i386, x86_64' : archName(HOST_BITS)}`);
    if (bits !== elf.bits)
      throw new SimError('RECORD', `--arch ${opts.arch} asks for a ${bits}-bit program, but this one is ${elf.bits}-bit (${archName(elf.bits)}): install the ${archName(bits)} build`, { file: elf.file });
  }
  // The host's interposer always (children of the other class still load one); the 32-bit one
  // too for an i386 program, both reached through $LIB.
  const so = ensureInterposer(opts);
  const preload = elf.bits === HOST_BITS ? so : dualPreload(so, ensureInterposer({ ...opts, bits: elf.bits }), opts);
  const rawDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-rec-'));
  if (!opts.keepRaw) registerTemp(rawDir); // removed on an interrupt too
  const command = shellQuote(opts.argv);
  const date = new Date().toISOString();
  env.RMALLOC_REC_DIR = rawDir;
  env.LD_PRELOAD = env.LD_PRELOAD ? `${preload}:${env.LD_PRELOAD}` : preload;

  const opened: number[] = [];
  let outcome: { code: number | null; signal: string | null; error?: Error };
  let rootPid = -1;
  try {
    const stdio = [stdioFd(opts.stdin, 'r', opened), stdioFd(opts.stdout, 'w', opened), stdioFd(opts.stderr, 'w', opened)];
    const child = spawn(program, opts.argv.slice(1), { argv0: opts.argv[0], cwd, env, stdio });
    rootPid = child.pid ?? -1;
    // The program owns the terminal while it runs: let Ctrl-C reach it, not kill the recorder.
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    const restore = ignoreInterrupts();
    try {
      outcome = await waitForExit(child);
    } finally {
      process.off('SIGINT', ignore);
      restore();
    }
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
  if (outcome.error) {
    fs.rmSync(rawDir, { recursive: true, force: true });
    if ((outcome.error as NodeJS.ErrnoException).code === 'ENOEXEC' && elf.bits !== HOST_BITS) {
      throw new SimError(
        'RECORD',
        `cannot run ${opts.argv[0]}: this kernel does not run ${elf.bits}-bit programs (no IA-32 emulation); register an emulator for them (scripts/recorder/binfmt-i386.sh)`,
      );
    }
    throw new SimError('RECORD', `cannot run ${opts.argv[0]}: ${outcome.error.message}`);
  }

  try {
    const logs = fs
      .readdirSync(rawDir)
      .map((f) => /^raw\.(\d+)\.(\d+)\.log$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ file: path.join(rawDir, m[0]), pid: Number(m[1]), image: Number(m[2]) }))
      .sort((a, b) => (a.pid === rootPid ? -1 : 0) - (b.pid === rootPid ? -1 : 0) || a.pid - b.pid || a.image - b.image);
    const converted: { c: ConvertedLog; root: boolean }[] = [];
    let dropped = 0;
    for (const l of logs) {
      const isRoot = l.pid === rootPid && l.image === 0;
      if (opts.rootOnly && !isRoot) {
        dropped++;
        continue;
      }
      const c = convertRawLog(l.file, rawDir);
      const names = [programName(c.meta), path.basename(c.meta.exe)];
      if (opts.keep && opts.keep.length && !opts.keep.some((k) => names.includes(k))) {
        c.builder.discard();
        dropped++;
        continue;
      }
      converted.push({ c, root: isRoot });
    }
    if (opts.name !== undefined && converted.length !== 1) {
      const list = converted.map(({ c }) => `${programName(c.meta)}[${c.meta.pid}] ${c.builder.tally.ops} ops`).join(', ');
      for (const { c } of converted) c.builder.discard();
      throw new SimError('RECORD', `--name needs exactly one trace but ${converted.length} were recorded${list ? `: ${list}` : ''}; narrow them with --keep`);
    }
    fs.mkdirSync(opts.outDir, { recursive: true });
    const ext = opts.gzip ? '.trace.gz' : '.trace';
    const traces: RecordedTrace[] = [];
    for (const { c, root } of converted) {
      const base = opts.name ?? `${programName(c.meta)}.${c.meta.pid}${c.meta.image ? `.${c.meta.image}` : ''}`;
      const out = path.join(opts.outDir, base + ext);
      await c.builder.finish(out, headerFor(c, root, date, opts.notes ?? []));
      const t = c.builder.tally;
      traces.push({
        path: out,
        pid: c.meta.pid,
        ppid: c.meta.ppid,
        image: c.meta.image,
        forked: c.meta.forked,
        root,
        exe: c.meta.exe,
        args: c.meta.args,
        command: shellQuote(c.meta.args),
        pointerBytes: c.meta.pointerBytes,
        ops: t.ops,
        allocs: t.allocs,
        frees: t.frees,
        reallocs: t.reallocs,
        ids: t.maxId + 1,
        peakLive: t.peakLive,
        maxSize: t.maxSize,
        liveAtEnd: t.liveIds,
        liveBytesAtEnd: t.live,
        calls: { ...c.stats.calls },
        aligned: c.stats.aligned,
        maxAlign: c.stats.maxAlign,
        truncated: c.stats.truncated,
        inherited: c.stats.inherited,
        skipped: c.skipped,
      });
    }
    return { command, traces, dropped, exitCode: outcome.code, signal: outcome.signal, rawDir: opts.keepRaw ? rawDir : null };
  } finally {
    if (!opts.keepRaw) fs.rmSync(rawDir, { recursive: true, force: true });
  }
}
