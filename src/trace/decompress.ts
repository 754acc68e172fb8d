/**
 * Compressed and binary input, told apart by magic bytes (never by file name).
 *
 * - gzip (1f 8b) is decoded with node:zlib, zstd (28 b5 2f fd; heaptrack writes its files this
 *   way) with fzstd, a small pure-JavaScript decoder: one layer of either, then the text.
 * - Anything else that is not text (a NUL or another control byte in its first line) is named
 *   by its magic bytes ("zstd data", "gzip data", "ELF executable", ...) so an error can say what
 *   the file is without echoing its bytes.
 */
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { SimError } from '../errors';

export type Codec = 'gzip' | 'zstd';

/** The compression a buffer starts with, or null for none. */
export function sniffCodec(head: Uint8Array): Codec | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return null;
}

/** Magic bytes of common binary formats, each with the name an error message gives it. */
const MAGIC: readonly [number, readonly number[], string][] = [
  [0, [0x1f, 0x8b], 'gzip data'],
  [0, [0x28, 0xb5, 0x2f, 0xfd], 'zstd data'],
  [0, [0x42, 0x5a, 0x68], 'bzip2 data'],
  [0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz data'],
  [0, [0x04, 0x22, 0x4d, 0x18], 'lz4 data'],
  [0, [0x7f, 0x45, 0x4c, 0x46], 'ELF executable'],
  [0, [0x50, 0x4b, 0x03, 0x04], 'zip archive'],
  [0, [0x89, 0x50, 0x4e, 0x47], 'PNG image'],
  [0, [0xff, 0xd8, 0xff], 'JPEG image'],
  [0, [0x25, 0x50, 0x44, 0x46], 'PDF document'],
  [0, [0x00, 0x61, 0x73, 0x6d], 'WebAssembly module'],
  [257, [0x75, 0x73, 0x74, 0x61, 0x72], 'tar archive'],
];

/**
 * What a (decoded) head of a file is when it is not text: a format name, or "binary data";
 * null when it is text. Text: no NUL and no control byte other than tab, CR, LF, FF and ESC in
 * its first line (the recorder's raw logs end in NUL padding, which is fine).
 */
export function binaryKind(head: Uint8Array): string | null {
  for (const [at, bytes, name] of MAGIC) {
    if (head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b)) return name;
  }
  const n = Math.min(head.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = head[i]!;
    if (c === 10) break;
    if (c < 32 && c !== 9 && c !== 13 && c !== 12 && c !== 27) return 'binary data';
  }
  return null;
}

function zstdError(e: unknown, file: string): SimError {
  return new SimError('TRACE_FORMAT', `corrupt zstd data (${(e as Error).message})`, { file });
}

/** Decodes as much of a zstd stream's beginning as `raw` holds, up to `max` bytes. */
export function zstdHead(raw: Uint8Array, file: string, max = 65536): Buffer {
  const out: Uint8Array[] = [];
  let got = 0;
  const d = new Decompress((chunk) => {
    if (got < max) {
      out.push(Buffer.from(chunk));
      got += chunk.length;
    }
  });
  try {
    d.push(raw, false);
  } catch (e) {
    throw zstdError(e, file);
  }
  const b = Buffer.concat(out);
  return b.length > max ? b.subarray(0, max) : b;
}

/** A stream that decodes zstd (errors become SimError('TRACE_FORMAT')). */
export function zstdStream(file: string): Transform {
  let pending: Uint8Array[] = [];
  const d = new Decompress((chunk) => {
    pending.push(chunk);
  });
  const flushTo = (t: Transform): void => {
    for (const c of pending) t.push(Buffer.from(c)); // a copy: the decoder may reuse its buffers
    pending = [];
  };
  return new Transform({
    transform(this: Transform, chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
      try {
        d.push(chunk, false);
      } catch (e) {
        cb(zstdError(e, file));
        return;
      }
      flushTo(this);
      cb();
    },
    flush(this: Transform, cb: TransformCallback): void {
      try {
        d.push(new Uint8Array(0), true);
      } catch (e) {
        cb(zstdError(e, file));
        return;
      }
      flushTo(this);
      cb();
    },
  });
}

/** The decoding stream for a codec. */
export function decoder(codec: Codec, file: string, chunkSize: number): Transform {
  return codec === 'gzip' ? zlib.createGunzip({ chunkSize }) : zstdStream(file);
}
