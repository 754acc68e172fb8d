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
import * as zlib from 'node:zlib';
import { SimError, describeFsError } from '../errors';
import { AtomicFile } from '../util';
import type { PackedOps } from './types';
import { END_PROMISE, endLine, formatOp } from './native';

const FLUSH_AT = 1 << 16;

export class TraceWriter {
  readonly path: string;
  private readonly out: NodeJS.WritableStream;
  private readonly sinks: (NodeJS.WritableStream & { destroy?: () => void })[];
  private readonly file: AtomicFile | null;
  private buf = '';
  private error: Error | null = null;
  private closed = false;
  /** Ops written so far. */
  ops = 0;

  constructor(path: string, header: readonly string[] = []) {
    this.path = path;
    if (path === '-') {
      this.out = process.stdout;
      this.sinks = [];
      this.file = null;
      process.stdout.once('error', (e) => (this.error = e)); // EPIPE when the reader quits early
    } else {
      this.file = new AtomicFile(path);
      const file = this.file.stream;
      file.on('error', (e) => (this.error = e));
      if (path.endsWith('.gz')) {
        const gz = zlib.createGzip({ level: 6 });
        gz.on('error', (e) => (this.error = e));
        gz.pipe(file);
        this.out = gz;
        this.sinks = [gz, file];
      } else {
        this.out = file;
        this.sinks = [file];
      }
    }
    for (const h of header) for (const l of h.split('\n')) if (l !== END_PROMISE) this.buf += l === '' ? '#\n' : `# ${l}\n`;
    this.buf += `# ${END_PROMISE}\n`;
  }

  /** Buffers one op; call flush() (or write a batch) now and then to bound memory. */
  op(kind: number, id: number, arg: number): void {
    this.buf += `${formatOp(kind, id, arg)}\n`;
    this.ops++;
  }

  /** A comment line in the body. */
  comment(text: string): void {
    this.buf += `# ${text}\n`;
  }

  /** Writes every op of a batch. */
  async write(b: PackedOps): Promise<void> {
    const { kind, id, arg } = b;
    for (let i = 0; i < b.n; i++) {
      this.buf += `${formatOp(kind[i]!, id[i]!, arg[i]!)}\n`;
      if (this.buf.length >= FLUSH_AT) await this.flush();
    }
    this.ops += b.n;
  }

  /** Hands the buffered text to the stream, waiting when it asks for back-pressure. */
  async flush(): Promise<void> {
    this.check();
    if (this.buf === '') return;
    const chunk = this.buf;
    this.buf = '';
    if (!this.out.write(chunk)) await new Promise<void>((res) => this.out.once('drain', () => res()));
    this.check();
  }

  /** Writes the trailer, flushes and closes the file, renames it into place; resolves when done. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.buf += `${endLine(this.ops)}\n`;
    await this.flush();
    this.closed = true;
    if (this.file === null) return;
    const last = this.sinks[this.sinks.length - 1]!;
    await new Promise<void>((res, rej) => {
      last.once('finish', () => res());
      last.once('close', () => res());
      last.once('error', (e: Error) => rej(e));
      this.out.end();
    }).catch((e: Error) => {
      this.error = e;
    });
    try {
      this.check();
    } catch (e) {
      this.file.abort();
      throw e;
    }
    this.file.commit();
  }

  /** Drops everything written: the target is left as it was. */
  abort(): void {
    this.closed = true;
    for (const s of this.sinks) s.destroy?.();
    this.file?.abort();
  }

  private check(): void {
    if (this.error !== null) throw new SimError('IO', `cannot write: ${describeFsError(this.error)}`, { file: this.path });
  }
}

/**
 * Writes a whole trace: `ops` is one batch (e.g. PackedTrace.ops), or batches from a
 * TraceSource (any iterable or async iterable of OpBatch / PackedOps).
 */
export async function writeTrace(
  path: string,
  header: readonly string[],
  ops: PackedOps | Iterable<PackedOps> | AsyncIterable<PackedOps>,
): Promise<number> {
  const w = new TraceWriter(path, header);
  try {
    if ('n' in ops && 'kind' in ops) await w.write(ops);
    else for await (const b of ops as AsyncIterable<PackedOps>) await w.write(b);
    await w.close();
  } catch (e) {
    w.abort();
    throw e;
  }
  return w.ops;
}
