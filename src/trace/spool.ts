/**
 * Traces from pipes: `-t -` (stdin), `-t <(zcat T)` (/dev/fd/N), named FIFOs and other
 * non-seekable inputs are copied once into a private temporary file (removed at exit, also on
 * a signal) before they are read, because the reader looks at a file's head, may read it more
 * than once and seeks. Disk use is the trace's size; memory stays constant.
 *
 * A FIFO whose writer has not opened it yet blocks the open: after a second the user is told
 * what the program waits for (Ctrl-C then exits 130 and leaves nothing behind).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SimError, describeFsError } from '../errors';
import { addExitHook, registerTemp } from '../util';

const spooled = new Map<string, string>();

/** How long a FIFO open may block before the user is told what is awaited. */
const FIFO_NOTICE_MS = 1000;

/** The file to open for a trace path: its spooled copy when it was a pipe, else itself. */
export function inputPath(p: string): string {
  return spooled.get(p) ?? p;
}

/** Whether `p` was spooled. */
export function isSpooled(p: string): boolean {
  return spooled.has(p);
}

/** Whether `p` must be spooled: `-`, or an existing path that is neither a file nor a folder. */
export function needsSpool(p: string): boolean {
  if (p === '-') return true;
  try {
    const st = fs.statSync(p);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false; // missing: the reader says so
  }
}

/** Copies a pipe, FIFO or stdin (`-`) into a private temporary file once. */
export async function spoolInput(p: string): Promise<void> {
  if (spooled.has(p) || !needsSpool(p)) return;
  if (p === '-' && process.stdin.isTTY) throw new SimError('USAGE', 'stdin is a terminal: pipe a trace into it (e.g. zcat T.gz | rmalloc-sim ... -t -)', { file: '-' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-sim-in-'));
  registerTemp(dir);
  const copy = path.join(dir, 'input');
  const src = p === '-' ? process.stdin : fs.createReadStream(p);
  // A FIFO open blocks a thread until a writer comes, and a blocked thread keeps the process
  // from exiting (on Ctrl-C): at exit, open the FIFO for writing once, which releases it.
  const release = p === '-' ? () => true : addExitHook(() => fs.closeSync(fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)));
  src.once('open', () => release());
  const notice = setTimeout(
    () => process.stderr.write(`rmalloc-sim: ${p}: waiting for a writer on this pipe (Ctrl-C to stop)\n`),
    FIFO_NOTICE_MS,
  );
  src.once('data', () => clearTimeout(notice));
  try {
    await pipeline(src, fs.createWriteStream(copy));
  } catch (e) {
    throw new SimError('IO', `cannot read: ${describeFsError(e)}`, { file: p });
  } finally {
    clearTimeout(notice);
    release();
  }
  spooled.set(p, copy);
}

/** Spools every path of a list that needs it. */
export async function spoolInputs(paths: readonly string[]): Promise<void> {
  for (const p of paths) await spoolInput(p);
}
