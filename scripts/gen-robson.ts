/**
 * gen-robson: writes a Robson-style adversarial trace in the native format.
 *
 *   npx ts-node --transpile-only scripts/gen-robson.ts --peak 256KiB --ratio 64 [--unit 16] [--header 8] [--out out/robson.trace]
 *
 * The trace never has more than `peak` bytes live, and its requests are the sizes unit·2^k for
 * 2^k from 1 to `ratio`. It runs one phase per size, smallest first. Phase k allocates blocks of
 * size S = unit·2^k until the live total would reach `peak`, then frees blocks so that every
 * hole stays too small for a request of the next phase (2S): see robsonLines for the model of
 * placement it uses (blocks with `--header` bytes of header, 8-byte rounding). An allocator
 * that places consecutive requests next to each other in fresh memory (every non-moving
 * allocator here does) cannot reuse any hole in the next phase and must take fresh memory, and
 * so on. Robson (1971, 1974) showed that some trace forces about peak · log2(ratio) / 2 on ANY
 * non-moving allocator; this is a fixed (non-adaptive) version of that construction, aimed at
 * allocators with headers of about `--header` bytes. An allocator that compacts closes the
 * holes and needs about peak plus its per-block overhead.
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
  header: number;
}

function usage(msg: string): never {
  process.stderr.write(`gen-robson: ${msg}\nusage: gen-robson --peak <bytes> --ratio <power of two> [--unit <bytes>] [--header <bytes>] [--out <file>] [--drain]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { peak: NaN, ratio: NaN, unit: 16, out: undefined, drain: false, header: 8 };
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
    else if (a === '--header') o.header = parseSize(need());
    else if (a === '--drain') o.drain = true;
    else if (a === '--help' || a === '-h') usage('writes a Robson-style adversarial trace');
    else usage(`unknown argument "${a}"`);
  }
  if (!(o.peak > 0)) usage('--peak must be a byte count, e.g. 262144 or 256KiB');
  if (!(Number.isInteger(o.ratio) && o.ratio >= 1 && (o.ratio & (o.ratio - 1)) === 0)) usage('--ratio must be a power of two (1, 2, 4, ...)');
  if (!(o.unit > 0)) usage('--unit must be a positive byte count');
  if (!(o.header >= 0)) usage('--header must be a byte count');
  if (o.unit * o.ratio * 2 > o.peak) usage(`--peak ${o.peak} is too small for two blocks of the largest size ${o.unit * o.ratio}`);
  return o;
}

/**
 * Generates the trace lines (no header).
 *
 * The generator keeps a model of where an allocator puts the blocks: every block of size s
 * takes roundUp(s + header, 8) bytes, and since no hole is ever large enough for the next
 * request (that is the point), each new block goes to the top of the used area, so blocks lie
 * in allocation order. After phase k (size S) it walks all live blocks in address order and
 * frees each one whose freeing keeps the hole around it smaller than one block of the next
 * size 2S (with its header). That frees every other block of the newest phase and, from older
 * phases, every block whose neighbours' holes still leave room: the live total drops, the next
 * phase tops it up to the peak again, and all of that goes to fresh memory.
 */
export function robsonLines(peak: number, ratio: number, unit: number, drain = false, header = 8): string[] {
  const lines: string[] = [];
  const fp = (s: number) => Math.ceil((s + header) / 8) * 8;
  // Blocks in address order (= allocation order): id, size, live.
  const ids: number[] = [];
  const sizes: number[] = [];
  const live: boolean[] = [];
  let liveBytes = 0;
  let nextId = 0;
  for (let mult = 1; mult <= ratio; mult *= 2) {
    const size = unit * mult;
    while (liveBytes + size <= peak) {
      const id = nextId++;
      lines.push(`a ${id} ${size}`);
      ids.push(id);
      sizes.push(size);
      live.push(true);
      liveBytes += size;
    }
    if (mult === ratio) break;
    const need = fp(2 * size);
    // The last live block stays, so no hole ever touches the top of the used area.
    const last = live.lastIndexOf(true);
    let run = 0; // free bytes just below block i
    for (let i = 0; i < last; i++) {
      if (!live[i]) { run += fp(sizes[i]!); continue; }
      let after = 0;
      for (let j = i + 1; j < live.length && !live[j]; j++) after += fp(sizes[j]!);
      if (run + fp(sizes[i]!) + after < need) {
        live[i] = false;
        lines.push(`f ${ids[i]}`);
        liveBytes -= sizes[i]!;
        run += fp(sizes[i]!);
      } else run = 0;
    }
  }
  if (drain) ids.forEach((id, i) => { if (live[i]) lines.push(`f ${id}`); });
  return lines;
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const body = robsonLines(o.peak, o.ratio, o.unit, o.drain, o.header);
  const phases = Math.log2(o.ratio) + 1;
  const header = [
    '# synthetic: Robson-style adversarial trace (scripts/gen-robson.ts), not a recording of a program',
    `# parameters: peak ${o.peak} bytes live, sizes ${o.unit} x 2^k for 2^k = 1..${o.ratio} (${phases} phases), unit ${o.unit}, modelled header ${o.header}${o.drain ? ', drained at the end' : ''}`,
    '# each phase fills up to the peak with one size, then frees every block it can while every hole',
    '# stays too small for the next (doubled) size',
  ];
  const text = header.join('\n') + '\n' + body.join('\n') + '\n';
  if (o.out) {
    fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    fs.writeFileSync(o.out, text);
    process.stderr.write(`gen-robson: wrote ${body.length} ops to ${o.out}\n`);
  } else process.stdout.write(text);
}

if (require.main === module) main();
