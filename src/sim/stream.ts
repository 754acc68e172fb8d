/**
 * Replays that let the process breathe (issue 15 items 4 and 6): the engine's replay run in
 * slices (engine.ts replaySlices), awaited in turn.
 *
 * - Signals. A handled SIGINT/SIGTERM (src/util/cleanup.ts: remove temporary files, one line,
 *   exit 130/143) runs only when the event loop gets a turn, and a synchronous replay of
 *   millions of ops never gives it one: Ctrl-C did nothing until the end. Here the loop gets a
 *   turn every TURN_MS of replay (the clock is read once per SLICE ops), so a long `run` or
 *   `soak` stops within a fraction of a second, and before any report is written.
 * - Streaming. `run` on a trace file replays it in constant memory: a first pass reads the
 *   facts the engine needs before op 0 (op count, largest id, median request: FactsCounter), a
 *   second pass replays each batch as the reader hands it over. No op is held beyond its batch.
 *   A lock model is applied as the trace streams (pinned, access: src/sim/locks.ts
 *   lockedSource), except lifetime, which looks ahead; that and sparse ids (remapped per op
 *   from the packed trace) make `run` replay the packed trace instead.
 *
 * Results are those of `replay`, byte for byte (the same engine code runs the same ops; only
 * wallMs, which includes reading the trace when streaming, differs).
 */
import { SimError } from '../errors';
import type { OpBatch, PackedTrace, TraceSource } from '../trace';
import { replaySlices } from './engine';
import { FactsCounter, skippedCount, type TraceFacts } from './prepass';
import { lockedSource, streamsLocks, type LockedSource } from './locks';
import { needsRemap } from './slots';
import type { RunConfig, RunResult } from './types';

/** Ops replayed between two looks at the clock. */
const SLICE = 4096;
/** Most replay time (ms) between two turns of the event loop. */
const TURN_MS = 50;

/** Gives the event loop a turn when TURN_MS have passed since the last one. */
export class Turns {
  private last = performance.now();

  async maybe(): Promise<void> {
    if (performance.now() - this.last < TURN_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}

/** `replay(trace, cfg)` with turns of the event loop: the same result. */
export async function replayAsync(trace: PackedTrace, cfg: RunConfig): Promise<RunResult> {
  const r = replaySlices(cfg, trace);
  const ops = r.packed!;
  const turns = new Turns();
  for (let from = 0; from < r.n; from += SLICE) {
    if (!r.pass(ops, 0, from, Math.min(r.n, from + SLICE))) break;
    await turns.maybe();
  }
  return r.finish();
}

/** The first pass over a streamed trace: the facts the engine needs before op 0. */
export async function streamFacts(src: TraceSource): Promise<TraceFacts> {
  const c = new FactsCounter();
  const turns = new Turns();
  for await (const b of src.batches()) {
    c.add(b);
    await turns.maybe();
  }
  return c.facts(skippedCount(src.skipped()));
}

/**
 * The source a run under `cfg` replays when it streams `src`: src itself, or src with the lock
 * model applied as it streams; null when the model looks ahead (lifetime) and the run needs the
 * packed trace.
 */
export function streamOf(src: TraceSource, cfg: RunConfig): TraceSource | null {
  const spec = cfg.locks ?? 'none';
  if (spec === 'none') return src;
  return streamsLocks(spec) ? lockedSource(src, spec, cfg.seed ?? 1) : null;
}

/** Whether a streamed trace with these facts (of the stream streamOf gave) can be replayed as it streams: dense ids. */
export function canStream(facts: TraceFacts): boolean {
  return !needsRemap(facts);
}

/** Largest id of a batch's ops that carry one (alloc .. unlock). */
function maxIdOf(b: OpBatch): number {
  let max = -1;
  for (let i = 0; i < b.n; i++) if (b.kind[i]! <= 4 && b.id[i]! > max) max = b.id[i]!;
  return max;
}

/**
 * The second pass: replays `src` (from streamOf) batch by batch (canStream(facts) must hold;
 * `facts` from streamFacts on the same source). A file that changed between the passes is
 * SimError('IO').
 */
export async function replayStream(src: TraceSource, facts: TraceFacts, cfg: RunConfig): Promise<RunResult> {
  const carried = (src as Partial<LockedSource>).lockSpec ?? 'none';
  if (carried !== (cfg.locks ?? 'none')) throw new Error(`replayStream: the stream carries lock model ${carried}, the run asks for ${cfg.locks ?? 'none'} (streamOf)`);
  const r = replaySlices(cfg, { info: src.info, facts });
  const turns = new Turns();
  const changed = (): never => {
    throw new SimError('IO', 'the trace changed while it was read (read it from a file nothing writes to)', { file: src.info.path });
  };
  let base = 0;
  let running = true;
  for await (const b of src.batches()) {
    if (maxIdOf(b) > facts.maxId) changed();
    const end = Math.min(r.n, base + b.n);
    for (let from = base; from < end && running; from += SLICE) {
      running = r.pass(b, base, from, Math.min(end, from + SLICE));
      await turns.maybe();
    }
    base += b.n;
    // Stop reading once the ops to run are done (cfg.stopAfter, or a run that stopped): the
    // last batch stays as it is for finish() (the line of a final violation).
    if (!running || base >= r.n) break;
  }
  if (running && base < r.n) changed();
  return r.finish();
}
