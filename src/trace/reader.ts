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
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { SimError, describeFsError } from '../errors';
import { inputPath, isSpooled } from './spool';
import {
  Importer,
  OP_ACCESS,
  OP_ALLOC,
  OP_FREE,
  OP_IDLE,
  OP_LOCK,
  OP_REALLOC,
  OP_UNLOCK,
  OpBatch,
  OpKind,
  OpSink,
  PackedTrace,
  ReadOptions,
  SkipCount,
  TraceInfo,
  TraceSource,
} from './types';
import { NativeParser } from './native';
import { copyOps, fitsU32, newOps, OpPacker } from './pack';
import { detectImporter, getImporter } from './importers';
import { binaryKind, decoder, sniffCodec, zstdHead, type Codec } from './decompress';

/** Ops per batch handed to the consumer. */
export const BATCH_OPS = 65536;
/** Importers may emit a couple of ops per line past the batch limit. */
const BATCH_CAP = BATCH_OPS + 1024;
/** Bytes read per chunk. */
const CHUNK = 1 << 18;
/**
 * Longest line accepted (bytes). Real trace lines are a few dozen bytes; without a bound a
 * binary file or a gzip bomb with no newline would be buffered whole before any error.
 */
export const MAX_LINE = 1 << 20;
/** The UTF-8 byte order mark, skipped at the start of a file. */
const BOM = [0xef, 0xbb, 0xbf];

/** Whether `b` starts with a UTF-8 BOM. */
function hasBom(b: Buffer): boolean {
  return b.length >= 3 && b[0] === BOM[0] && b[1] === BOM[1] && b[2] === BOM[2];
}
/** Ids below this use a bitmap in the live set; larger ones a Set. */
const DENSE_IDS = 1 << 26;

export interface OpenOptions extends ReadOptions {
  /** Input format (an importer name, or 'native'); auto-detected when absent. */
  format?: string;
}

export function newBatch(capacity: number): OpBatch {
  return {
    n: 0,
    kind: new Uint8Array(capacity),
    id: new Float64Array(capacity),
    arg: new Float64Array(capacity),
    line: new Float64Array(capacity),
  };
}

/** Appends one op to a batch, doubling its arrays when it is full. */
export function pushOp(b: OpBatch, kind: number, id: number, arg: number, line: number): void {
  const n = b.n;
  if (n === b.kind.length) growBatch(b);
  b.kind[n] = kind;
  b.id[n] = id;
  b.arg[n] = arg;
  b.line[n] = line;
  b.n = n + 1;
}

function growBatch(b: OpBatch): void {
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

const NO_OP_FOR: Record<number, string> = {
  [OP_FREE]: 'free of an unknown id',
  [OP_REALLOC]: 'realloc of an unknown id',
  [OP_LOCK]: 'lock of an unknown id',
  [OP_UNLOCK]: 'unlock of an unknown id',
  [OP_ACCESS]: 'access to an unknown id',
};

/**
 * The validating sink every reader path ends in: checks each op against the live ids, counts
 * or rejects the recoverable problems, and appends the survivors to its batch.
 */
export class OpCollector implements OpSink {
  readonly batch: OpBatch;
  readonly header: string[] = [];
  /** True once an op (valid or skipped) was seen: later comments are not header lines. */
  sawOp = false;
  readonly file: string;
  readonly strict: boolean;
  private bits = new Uint32Array(2048);
  private big = new Set<number>();
  private skips = new Map<string, SkipCount>();

  constructor(file: string, strict: boolean, capacity = BATCH_CAP) {
    this.file = file;
    this.strict = strict;
    this.batch = newBatch(capacity);
  }

  private isLive(id: number): boolean {
    if (id < DENSE_IDS) {
      const w = id >>> 5;
      return w < this.bits.length && ((this.bits[w]! >>> (id & 31)) & 1) === 1;
    }
    return this.big.has(id);
  }

  private setLive(id: number): void {
    if (id < DENSE_IDS) {
      const w = id >>> 5;
      if (w >= this.bits.length) this.growBits(w);
      this.bits[w] = this.bits[w]! | (1 << (id & 31));
    } else this.big.add(id);
  }

  private clearLive(id: number): void {
    if (id < DENSE_IDS) {
      const w = id >>> 5;
      if (w < this.bits.length) this.bits[w] = this.bits[w]! & ~(1 << (id & 31));
    } else this.big.delete(id);
  }

  private growBits(w: number): void {
    let n = this.bits.length;
    while (n <= w) n *= 2;
    const b = new Uint32Array(n);
    b.set(this.bits);
    this.bits = b;
  }

  op(kind: OpKind, id: number, arg: number, line: number): void {
    this.sawOp = true;
    switch (kind) {
      case OP_ALLOC:
        if (this.isLive(id)) return this.problem('allocation of a live id', id, line);
        this.setLive(id);
        break;
      case OP_FREE:
        if (!this.isLive(id)) return this.problem(NO_OP_FOR[kind]!, id, line);
        this.clearLive(id);
        break;
      case OP_REALLOC:
        if (!this.isLive(id)) return this.problem(NO_OP_FOR[kind]!, id, line);
        if (arg === 0) {
          this.clearLive(id);
          kind = OP_FREE;
        }
        break;
      case OP_IDLE:
        break;
      default:
        if (!this.isLive(id)) return this.problem(NO_OP_FOR[kind]!, id, line);
    }
    pushOp(this.batch, kind, id, arg, line);
  }

  private problem(reason: string, id: number, line: number): void {
    if (this.strict) throw new SimError('TRACE_SEMANTIC', `${reason} (id ${id})`, { file: this.file, line });
    this.count(reason, line, false);
  }

  skip(reason: string, line: number, benign = false): void {
    this.sawOp = true;
    if (this.strict && !benign) throw new SimError('TRACE_SEMANTIC', reason, { file: this.file, line });
    this.count(reason, line, benign);
  }

  private count(reason: string, line: number, benign: boolean): void {
    let s = this.skips.get(reason);
    if (s === undefined) {
      s = { reason, count: 0, firstLine: line };
      if (benign) s.benign = true;
      this.skips.set(reason, s);
    }
    s.count++;
  }

  comment(text: string): void {
    if (!this.sawOp) this.header.push(text);
  }

  /** Skipped events so far, in order of first occurrence. */
  skipped(): SkipCount[] {
    return [...this.skips.values()].map((s) => ({ ...s })).sort((a, b) => a.firstLine - b.firstLine);
  }
}

/**
 * Feeds whole lines of a buffer to the native parser or to an importer's line handler, and
 * stops as soon as the collector's batch is full.
 */
class Feeder {
  private readonly c: OpCollector;
  private readonly parser: NativeParser | null;
  private readonly handler: { line(text: string, lineNo: number): void; end(): void } | null;
  private lineNo = 0;

  constructor(file: string, importer: Importer, c: OpCollector) {
    this.c = c;
    if (importer.name === 'native') {
      this.parser = new NativeParser(c, file);
      this.handler = null;
    } else {
      this.parser = null;
      this.handler = importer.create(file, c);
    }
  }

  /** Parses lines in [p, end) (end just after a '\n') until the batch is full. */
  feed(buf: Buffer, p: number, end: number): number {
    const c = this.c;
    if (this.parser !== null) return this.parser.parse(buf, p, end, BATCH_OPS - c.batch.n);
    const h = this.handler!;
    while (p < end && c.batch.n < BATCH_OPS) {
      const nl = buf.indexOf(10, p);
      let e = nl;
      if (e > p && buf[e - 1] === 13) e--;
      this.lineNo++;
      h.line(buf.toString('utf8', p, e), this.lineNo);
      p = nl + 1;
    }
    return p;
  }

  /** Lines consumed so far. */
  linesDone(): number {
    return this.parser !== null ? this.parser.line : this.lineNo;
  }

  /** Parses one line at a time until the first op (used to read the header from the head). */
  feedUntilOp(buf: Buffer, end: number): void {
    let p = 0;
    while (p < end && !this.c.sawOp) {
      if (this.parser !== null) p = this.parser.parse(buf, p, end, 1);
      else {
        const nl = buf.indexOf(10, p);
        this.feed(buf, p, nl + 1);
        p = nl + 1;
      }
    }
  }

  end(): void {
    this.parser?.finish();
    this.handler?.end();
  }
}

const NEWLINE = Buffer.from('\n');

/** Parses a whole in-memory buffer synchronously; onBatch gets each full batch. */
function parseAllSync(buf: Buffer, f: Feeder, c: OpCollector, onBatch: (b: OpBatch) => void): void {
  if (buf.length > 0 && buf[buf.length - 1] !== 10) buf = Buffer.concat([buf, NEWLINE]);
  let p = 0;
  const end = buf.length;
  while (p < end) {
    p = f.feed(buf, p, end);
    if (c.batch.n >= BATCH_OPS) {
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
export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Display name: the file name without .gz and then .trace/.rep/.log/.txt. */
export function traceName(p: string): string {
  let b = path.basename(p);
  if (b.endsWith('.gz')) b = b.slice(0, -3);
  return b.replace(/\.(trace|rep|log|txt|mtrace|memtrace|ops)$/, '');
}

function statFile(file: string): void {
  if (file === '-' && !isSpooled(file)) throw new SimError('USAGE', '"-" (stdin) is read by the commands that take -t or a trace argument', { file });
  let st: fs.Stats;
  try {
    st = fs.statSync(inputPath(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SimError('TRACE_NOT_FOUND', 'no such trace file', { file });
    throw new SimError('IO', `cannot read: ${describeFsError(e)}`, { file });
  }
  if (st.isDirectory()) throw new SimError('TRACE_NOT_FOUND', 'is a directory, not a trace file', { file });
  // A FIFO or device that was not spooled: opening could block forever (a FIFO with no writer).
  if (!st.isFile()) throw new SimError('TRACE_FORMAT', 'is a pipe or device, not a file: pass it with -t (or -t - for stdin)', { file });
}

/** Gunzips the start of a gzip file, at most 4 MiB of output (a gzip bomb stays cheap). */
function gunzipHead(buf: Buffer, file: string): Buffer {
  const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 1 << 22 };
  try {
    try {
      return zlib.gunzipSync(buf, opts);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw e;
      return zlib.gunzipSync(buf.subarray(0, 2048), opts);
    }
  } catch (e) {
    throw new SimError('TRACE_FORMAT', `corrupt gzip data (${(e as Error).message})`, { file });
  }
}

/** Reads the first bytes of a file (decoded when it is gzip or zstd) for detection and header. */
function readHead(file: string): { codec: Codec | null; text: Buffer; complete: boolean } {
  let fd: number;
  try {
    fd = fs.openSync(inputPath(file), 'r');
  } catch (e) {
    throw new SimError('IO', `cannot read: ${describeFsError(e)}`, { file });
  }
  try {
    const raw = Buffer.alloc(65536);
    const got = fs.readSync(fd, raw, 0, raw.length, 0);
    const buf = raw.subarray(0, got);
    const wholeFile = got < raw.length;
    const codec = sniffCodec(buf);
    const noBom = (t: Buffer): Buffer => (hasBom(t) ? t.subarray(3) : t);
    if (codec === null) return { codec, text: noBom(buf), complete: wholeFile };
    if (codec === 'zstd') return { codec, text: noBom(zstdHead(buf, file)), complete: false };
    return { codec, text: noBom(gunzipHead(buf, file)), complete: false };
  } catch (e) {
    if (e instanceof SimError) throw e;
    throw new SimError('IO', `cannot read: ${describeFsError(e)}`, { file });
  } finally {
    fs.closeSync(fd);
  }
}

/** The first non-blank lines of a head buffer (a cut last line dropped unless complete). */
function headLines(text: Buffer, complete: boolean, max = 50): string[] {
  let end = text.length;
  if (!complete) {
    const nl = text.lastIndexOf(10);
    end = nl < 0 ? 0 : nl;
  }
  const out: string[] = [];
  for (const l of text.toString('utf8', 0, end).split('\n')) {
    const t = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (t.trim() === '') continue;
    out.push(t);
    if (out.length >= max) break;
  }
  return out;
}

/** Chooses the importer: the one named, or the one detected from the head lines. */
function chooseImporter(file: string, head: readonly string[], format: string | undefined): Importer {
  if (format !== undefined && format !== '') return getImporter(format);
  return detectImporter(head, file);
}

/** Header comment lines found before the first op of the head. */
function probeHeader(file: string, importer: Importer, text: Buffer, complete: boolean): string[] {
  const c = new OpCollector(file, false, 16);
  const f = new Feeder(file, importer, c);
  let end = text.length;
  if (!complete || (end > 0 && text[end - 1] !== 10)) {
    const nl = text.lastIndexOf(10);
    end = nl < 0 ? 0 : nl + 1;
  }
  try {
    f.feedUntilOp(text, end);
  } catch {
    // Errors surface again, with their line, when the trace is read.
  }
  return c.header;
}

class FileTraceSource implements TraceSource {
  readonly info: TraceInfo;
  /** The importer used ('native' for the native format). */
  readonly format: string;
  private readonly importer: Importer;
  private readonly codec: Codec | null;
  private readonly strict: boolean;
  private last: SkipCount[] = [];

  constructor(file: string, opts: OpenOptions) {
    statFile(file);
    const head = readHead(file);
    this.codec = head.codec;
    const binary = binaryKind(head.text);
    if (binary !== null) {
      const what = opts.format ? `a ${opts.format} trace` : 'a text trace';
      const inside = head.codec ? ` inside ${head.codec}` : '';
      throw new SimError('TRACE_FORMAT', `not ${what}: the file is ${binary}${inside}`, { file });
    }
    this.strict = opts.strict === true;
    this.importer = chooseImporter(file, headLines(head.text, head.complete), opts.format);
    this.format = this.importer.name;
    this.info = { path: file, name: traceName(file), header: probeHeader(file, this.importer, head.text, head.complete) };
  }

  skipped(): SkipCount[] {
    return this.last;
  }

  batches(): AsyncIterable<OpBatch> {
    return { [Symbol.asyncIterator]: () => this.iterate() };
  }

  private async *iterate(): AsyncGenerator<OpBatch> {
    const file = this.info.path;
    const c = new OpCollector(file, this.strict);
    const f = new Feeder(file, this.importer, c);
    const src = fs.createReadStream(inputPath(file), { highWaterMark: CHUNK });
    let stream: NodeJS.ReadableStream = src;
    if (this.codec !== null) {
      const dec = decoder(this.codec, file, CHUNK);
      src.on('error', (e) => dec.destroy(e));
      stream = src.pipe(dec);
    }
    let carry: Buffer | null = null;
    let first = true;
    const tooLong = (): never => {
      throw new SimError('TRACE_SYNTAX', `line longer than ${MAX_LINE >> 20} MiB (a binary or corrupt file?)`, { file, line: f.linesDone() + 1 });
    };
    try {
      for await (const chunk of stream) {
        let buf = chunk as Buffer;
        if (first) {
          first = false;
          if (hasBom(buf)) buf = buf.subarray(3);
        }
        if (carry !== null) {
          buf = Buffer.concat([carry, buf]);
          carry = null;
        }
        const last = buf.lastIndexOf(10);
        if (last < 0) {
          if (buf.length > MAX_LINE) tooLong();
          carry = buf;
          continue;
        }
        const end = last + 1;
        let p = 0;
        while (p < end) {
          p = f.feed(buf, p, end);
          if (c.batch.n >= BATCH_OPS) {
            yield c.batch;
            c.batch.n = 0;
          }
        }
        if (end < buf.length) {
          if (buf.length - end > MAX_LINE) tooLong();
          carry = Buffer.from(buf.subarray(end));
        }
      }
    } catch (e) {
      if (e instanceof SimError) throw e;
      const err = e as NodeJS.ErrnoException;
      if (typeof err.code === 'string' && err.code.startsWith('Z_'))
        throw new SimError('TRACE_FORMAT', `corrupt gzip data (${err.message})`, { file });
      if (typeof err.code === 'string') throw new SimError('IO', `cannot read: ${describeFsError(err)}`, { file });
      throw e;
    } finally {
      src.destroy();
    }
    if (carry !== null) {
      const buf = Buffer.concat([carry, NEWLINE]);
      let p = 0;
      while (p < buf.length) {
        p = f.feed(buf, p, buf.length);
        if (c.batch.n >= BATCH_OPS) {
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
    if (c.header.length > this.info.header.length) this.info.header = c.header;
  }
}

/**
 * Opens a trace for streaming. Throws SimError('TRACE_NOT_FOUND') at once for a missing file;
 * syntax and semantic errors come from iterating batches(), each with its file and line.
 */
export function openTrace(file: string, opts: OpenOptions = {}): TraceSource & { format: string } {
  return new FileTraceSource(file, opts);
}

/**
 * Reads a whole trace, validated, into typed arrays (for the engine's many replays), in bounded
 * memory (issue 15 item 6): a counting pass reads the file once for the op count and the
 * narrowest exact width of each number column (src/trace/pack.ts), then a second pass writes
 * every op straight into its final column. Nothing is held beside those columns but one batch,
 * so loading peaks at the packed size (13 bytes per op for every real trace), not twice it.
 * The columns live in shared memory: the worker pool hands them to its workers as they are.
 */
export async function loadTrace(file: string, opts: OpenOptions = {}): Promise<PackedTrace> {
  const src = openTrace(file, opts);
  let n = 0;
  const narrow = { id: true, arg: true, line: true };
  for await (const b of src.batches()) {
    n += b.n;
    narrow.id &&= fitsU32(b.id, 0, b.n);
    narrow.arg &&= fitsU32(b.arg, 0, b.n);
    narrow.line &&= fitsU32(b.line, 0, b.n);
  }
  const ops = newOps(n, narrow);
  const changed = (): never => {
    throw new SimError('IO', 'the trace changed while it was read (read it from a file nothing writes to)', { file });
  };
  let at = 0;
  for await (const b of src.batches()) {
    if (at + b.n > n) changed();
    if ((narrow.id && !fitsU32(b.id, 0, b.n)) || (narrow.arg && !fitsU32(b.arg, 0, b.n)) || (narrow.line && !fitsU32(b.line, 0, b.n))) changed();
    copyOps(b, 0, b.n, ops, at);
    at += b.n;
  }
  if (at !== n) changed();
  return { info: src.info, ops, skipped: src.skipped() };
}

/**
 * Parses trace text synchronously (tests, small generated traces). Native format unless
 * opts.format names an importer or the text is detected as another format.
 */
export function traceFromText(text: string, name = 'text', opts: OpenOptions = {}): PackedTrace {
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
export function findTraceFiles(pathsOrDirs: string[]): string[] {
  const out: string[] = [];
  for (const p of pathsOrDirs) {
    if (isSpooled(p)) {
      out.push(p);
      continue;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new SimError('TRACE_NOT_FOUND', 'no such trace file or directory', { file: p });
    }
    if (st.isDirectory()) {
      const names = fs
        .readdirSync(p)
        .filter((n) => n.endsWith('.trace') || n.endsWith('.trace.gz'))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (names.length === 0) throw new SimError('TRACE_NOT_FOUND', 'directory holds no *.trace or *.trace.gz files', { file: p });
      for (const n of names) out.push(path.join(p, n));
    } else out.push(p);
  }
  return out;
}
