/**
 * Temporary files and signals: nothing half-written survives the process.
 *
 * Every temporary file or folder the program creates (an output being written before its
 * rename, a spooled copy of a pipe) is registered here and removed when the process ends:
 * normally, on an error, or on SIGINT / SIGTERM / SIGHUP, which then exit with 128 + the
 * signal number (130, 143, 129) as shells expect. The CLI calls installSignalHandlers() once.
 *
 * Synchronous writes (reports written with writeFileSync) cannot be interrupted by a handled
 * signal: the handler runs when the write loop yields, after the renames. Streamed writes
 * (traces) are interrupted between chunks and their temporary files removed here.
 */
import * as fs from 'node:fs';

const temps = new Set<string>();
const hooks = new Set<() => void>();
let installed = false;
let ignoreInt = 0;

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/** Registers a temporary path (file or folder) to remove at exit unless released first. */
export function registerTemp(p: string): void {
  temps.add(p);
}

/** Forgets a temporary path (it was renamed into place or removed by its owner). */
export function releaseTemp(p: string): void {
  temps.delete(p);
}

/** Removes a temporary path now and forgets it. */
export function removeTemp(p: string): void {
  temps.delete(p);
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    /* already gone, or nothing we can do while exiting */
  }
}

/**
 * Adds a function to run at exit before the temporary paths go (e.g. release a FIFO open that
 * blocks a thread, which would otherwise keep the process from exiting); returns its remover.
 */
export function addExitHook(fn: () => void): () => void {
  hooks.add(fn);
  return () => hooks.delete(fn);
}

/** Runs the exit hooks and removes every registered temporary path (at exit). */
export function removeAllTemps(): void {
  for (const h of [...hooks]) {
    hooks.delete(h);
    try {
      h();
    } catch {
      /* best effort while exiting */
    }
  }
  for (const p of [...temps]) removeTemp(p);
}

/**
 * While the returned function is not called, SIGINT is ignored (the recorder hands the
 * terminal's Ctrl-C to the program it runs). Nests.
 */
export function ignoreInterrupts(): () => void {
  ignoreInt++;
  let done = false;
  return () => {
    if (!done) ignoreInt--;
    done = true;
  };
}

/** The exit status for a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(sig: string): number {
  return 128 + (SIGNALS[sig] ?? 0);
}

/** Installs the exit and signal handlers (idempotent). */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeAllTemps);
  for (const sig of Object.keys(SIGNALS)) {
    process.on(sig as NodeJS.Signals, () => {
      if (sig === 'SIGINT' && ignoreInt > 0) return;
      removeAllTemps();
      process.stderr.write(`rmalloc-sim: interrupted by ${sig}; no partial output left behind\n`);
      process.exit(signalExitCode(sig));
    });
  }
}
