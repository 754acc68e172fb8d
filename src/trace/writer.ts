/**
 * Native trace writer: a `#` header, then one op a line (see native.ts for the format).
 * Gzip-compressed when the path ends in `.gz`; `-` writes plain text to stdout. Streaming:
 * ops are formatted into a text buffer that is flushed (respecting back-pressure) every
 * 64 KiB, so memory stays constant whatever the number of ops.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { SimError } from '../errors';
import type { OpBatch } from './types';
import { formatOp } from './native';

const FLUSH_AT = 1 << 16;

export class TraceWriter {
  readonly path: string;
  private readonly out: NodeJS.WritableStream;
  private readonly sinks: (NodeJS.WritableStream & { destroy?: () => void })[];
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
      process.stdout.once('error', (e) => (this.error = e)); // EPIPE when the reader quits early
    } else {
      const file = fs.createWriteStream(path);
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
    for (const h of header) for (const l of h.split('\n')) this.buf += l === '' ? '#\n' : `# ${l}\n`;
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
  async write(b: OpBatch): Promise<void> {
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

  /** Flushes and closes the file; resolves when it is completely on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.path === '-') return;
    const last = this.sinks[this.sinks.length - 1]!;
    await new Promise<void>((res, rej) => {
      last.once('finish', () => res());
      last.once('close', () => res());
      last.once('error', (e: Error) => rej(e));
      this.out.end();
    }).catch((e: Error) => {
      this.error = e;
    });
    this.check();
  }

  private check(): void {
    if (this.error !== null) throw new SimError('IO', `cannot write: ${this.error.message}`, { file: this.path });
  }
}

/**
 * Writes a whole trace: `ops` is one batch (e.g. PackedTrace.ops), or batches from a
 * TraceSource (any iterable or async iterable of OpBatch).
 */
export async function writeTrace(
  path: string,
  header: readonly string[],
  ops: OpBatch | Iterable<OpBatch> | AsyncIterable<OpBatch>,
): Promise<number> {
  const w = new TraceWriter(path, header);
  try {
    if ('n' in ops && 'kind' in ops) await w.write(ops);
    else for await (const b of ops as AsyncIterable<OpBatch>) await w.write(b);
    await w.close();
  } catch (e) {
    for (const s of (w as unknown as { sinks: { destroy?: () => void }[] }).sinks) s.destroy?.();
    throw e;
  }
  return w.ops;
}
