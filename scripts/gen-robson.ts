/**
 * gen-robson: writes a Robson-style adversarial trace in the native format.
 *
 *   npx ts-node --transpile-only scripts/gen-robson.ts --peak 256KiB --ratio 64 [--unit 16] [--out out/robson.trace]
 *
 * The trace never has more than `peak` bytes live, and its requests are the sizes unit·2^k for
 * 2^k from 1 to `ratio`. It runs one phase per size, smallest first. Phase k allocates blocks of
 * size S = unit·2^k until the live total would pass `peak`, then frees every other block of
 * that phase (in allocation order). An allocator that places consecutive requests next to each
 * other (every allocator here does, at least in fresh memory) is left with holes of about S
 * bytes between live blocks: too small for any request of the next phase (2S), so that phase
 * must take fresh memory, and so on. A non-moving allocator ends up needing roughly
 * peak · (phases + 1) / 2; Robson (1974) showed that some trace forces about
 * peak · log2(ratio) / 2 on ANY non-moving allocator, and this is an oblivious (non-adaptive)
 * version of that construction. An allocator that compacts closes the holes and needs about
 * peak plus its per-block overhead.
 *
 * The output is plain text: a `#` header saying the trace is synthetic, with its parameters,
 * then `a <id> <size>` and `f <id>` lines. Ids are never reused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSize } from '../src/util/units';

interface Options {
  peak: number;
  ratio: number;
  unit: number;
  out: string | undefined;
  drain: boolean;
}

function usage(msg: string): never {
  process.stderr.write(`gen-robson: ${msg}\nusage: gen-robson --peak <bytes> --ratio <power of two> [--unit <bytes>] [--out <file>] [--drain]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { peak: NaN, ratio: NaN, unit: 16, out: undefined, drain: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    const need = (): string => {
      if (v === undefined) usage(`${a} needs a value`);
      i++;
      return v;
    };
    if (a === '--peak') o.peak = parseSize(need());
    else if (a === '--ratio') o.ratio = Number(need());
    else if (a === '--unit') o.unit = parseSize(need());
    else if (a === '--out' || a === '-o') o.out = need();
    else if (a === '--drain') o.drain = true;
    else if (a === '--help' || a === '-h') usage('writes a Robson-style adversarial trace');
    else usage(`unknown argument "${a}"`);
  }
  if (!(o.peak > 0)) usage('--peak must be a byte count, e.g. 262144 or 256KiB');
  if (!(Number.isInteger(o.ratio) && o.ratio >= 1 && (o.ratio & (o.ratio - 1)) === 0)) usage('--ratio must be a power of two (1, 2, 4, ...)');
  if (!(o.unit > 0)) usage('--unit must be a positive byte count');
  if (o.unit * o.ratio * 2 > o.peak) usage(`--peak ${o.peak} is too small for two blocks of the largest size ${o.unit * o.ratio}`);
  return o;
}

/** Generates the trace lines (no header). */
export function robsonLines(peak: number, ratio: number, unit: number, drain = false): string[] {
  const lines: string[] = [];
  const live = new Map<number, number>();
  let liveBytes = 0;
  let nextId = 0;
  for (let mult = 1; mult <= ratio; mult *= 2) {
    const size = unit * mult;
    const phase: number[] = [];
    while (liveBytes + size <= peak) {
      const id = nextId++;
      lines.push(`a ${id} ${size}`);
      live.set(id, size);
      liveBytes += size;
      phase.push(id);
    }
    // Leave holes of one block between live ones: too small for the next phase's size.
    if (mult < ratio) {
      for (let i = 0; i < phase.length; i += 2) {
        const id = phase[i]!;
        lines.push(`f ${id}`);
        liveBytes -= live.get(id)!;
        live.delete(id);
      }
    }
  }
  if (drain) for (const id of live.keys()) lines.push(`f ${id}`);
  return lines;
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const body = robsonLines(o.peak, o.ratio, o.unit, o.drain);
  const phases = Math.log2(o.ratio) + 1;
  const header = [
    '# synthetic: Robson-style adversarial trace (scripts/gen-robson.ts), not a recording of a program',
    `# parameters: peak ${o.peak} bytes live, sizes ${o.unit} x 2^k for 2^k = 1..${o.ratio} (${phases} phases), unit ${o.unit}${o.drain ? ', drained at the end' : ''}`,
    '# each phase fills up to the peak with one size, then frees every other block of that phase,',
    '# leaving holes too small for the next (doubled) size',
  ];
  const text = header.join('\n') + '\n' + body.join('\n') + '\n';
  if (o.out) {
    fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    fs.writeFileSync(o.out, text);
    process.stderr.write(`gen-robson: wrote ${body.length} ops to ${o.out}\n`);
  } else process.stdout.write(text);
}

if (require.main === module) main();
