/**
 * Outputs are written whole or not at all: into a temporary file `.<name>.<pid>.tmp` in the
 * target's folder (so the rename stays on one file system and is atomic), then renamed over
 * the target. The temporary file is registered with src/util/cleanup.ts, so an error or a
 * signal removes it. File-system failures become one-line SimError('IO') messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimError, describeFsError } from '../errors';
import { registerTemp, releaseTemp, removeTemp } from './cleanup';

/** The temporary name an output is written under before its rename. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
}

/** Checks that the folder of `file` exists and `file` is not a folder. */
function checkTarget(file: string): void {
  const dir = path.dirname(path.resolve(file));
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new SimError('IO', `cannot write: folder ${dir} does not exist`, { file });
  }
  if (!st.isDirectory()) throw new SimError('IO', `cannot write: ${dir} is not a folder`, { file });
  let t: fs.Stats | undefined;
  try {
    t = fs.statSync(file);
  } catch {
    return;
  }
  if (t.isDirectory()) throw new SimError('IO', 'cannot write: is a folder', { file });
}

/** Writes `data` to `file` whole or not at all. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  checkTarget(file);
  const tmp = tempPathFor(file);
  registerTemp(tmp);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
    releaseTemp(tmp);
  } catch (e) {
    removeTemp(tmp);
    throw new SimError('IO', `cannot write: ${describeFsError(e)}`, { file });
  }
}

/** Writes several files all-or-nothing as far as the file system allows: all temps first, then renames. */
export function writeFilesAtomic(files: readonly { file: string; data: string | Uint8Array }[]): void {
  const tmps: string[] = [];
  let at = '';
  try {
    for (const f of files) {
      at = f.file;
      checkTarget(f.file);
      const tmp = tempPathFor(f.file);
      registerTemp(tmp);
      tmps.push(tmp);
      fs.writeFileSync(tmp, f.data);
    }
    files.forEach((f, i) => {
      at = f.file;
      fs.renameSync(tmps[i]!, f.file);
      releaseTemp(tmps[i]!);
    });
  } catch (e) {
    for (const t of tmps) removeTemp(t);
    if (e instanceof SimError) throw e;
    throw new SimError('IO', `cannot write: ${describeFsError(e)}`, { file: at });
  }
}

/**
 * Creates an output folder (and its parents) if missing. A path that exists but is not a
 * folder, or cannot be created, is a one-line SimError('IO') naming the option.
 */
export function ensureDir(dir: string, what = 'output folder'): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new SimError('IO', `${what} exists and is not a folder`, { file: dir });
    throw new SimError('IO', `cannot create ${what}: ${describeFsError(e)}`, { file: dir });
  }
}

/** True when `a` and `b` name the same existing file (same device and inode: links, symlinks, ../). */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = fs.statSync(a);
    const y = fs.statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * A write stream onto a temporary file that becomes `file` on commit() and disappears on
 * abort() (or on an error or signal before commit).
 */
export class AtomicFile {
  readonly file: string;
  readonly tmp: string;
  readonly stream: fs.WriteStream;

  constructor(file: string) {
    checkTarget(file);
    this.file = file;
    this.tmp = tempPathFor(file);
    registerTemp(this.tmp);
    this.stream = fs.createWriteStream(this.tmp);
  }

  /** Renames the (finished, closed) temporary file over the target. */
  commit(): void {
    try {
      fs.renameSync(this.tmp, this.file);
      releaseTemp(this.tmp);
    } catch (e) {
      removeTemp(this.tmp);
      throw new SimError('IO', `cannot write: ${describeFsError(e)}`, { file: this.file });
    }
  }

  /** Drops the temporary file. */
  abort(): void {
    this.stream.destroy();
    removeTemp(this.tmp);
  }
}
