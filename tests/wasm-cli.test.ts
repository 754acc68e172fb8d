/**
 * C allocators from the command line (spawned): shown by file name beside a built-in one in
 * compare, bus counters in run's JSON, a compile error is clang's file:line in one line (exit 2).
 * One cache (mkdtemp) for the whole file: the example is built once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, syntheticTrace, tempDir } from './cli-spawn';

const dir = tempDir('rmalloc-wasm-cli-');
const env = { RMALLOC_SIM_CACHE: path.join(dir, 'cache') };
const trace = path.join(dir, 'small.trace');
fs.writeFileSync(trace, syntheticTrace(300));
const POOL = path.resolve(__dirname, '..', 'examples', 'pow2_pool.c');

test('compare: the C allocator beside a built-in one, shown by file name; run --json carries the bus counters', () => {
  const r = cli(['compare', '--device', 'nds', '--allocator', POOL, '--allocator', 'tlsf', '--trace', trace, '--format', 'json', '--jobs', '2', '--no-min-heap'], { env });
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { traces: { results: { allocator: string; status: string; bus: { aluEstimated: boolean; metadata: { reads: number } } }[] }[] };
  const cells = j.traces[0]!.results;
  assert.equal(cells.map((c) => c.allocator).sort(), ['pow2_pool.c', 'tlsf']);
  for (const c of cells) assert.is(c.status, 'ok');
  const c = cells.find((x) => x.allocator === 'pow2_pool.c')!;
  assert.ok(c.bus.aluEstimated && c.bus.metadata.reads > 0);
  assert.not.ok(cells.find((x) => x.allocator === 'tlsf')!.bus.aluEstimated);

  // --cflags takes a value that starts with a dash (a separate argument, as users write it).
  const run = cli(['run', '--device', 'nds', '--allocator', POOL, '--cflags', '-DRSIM_UNUSED=1 -O1', '--trace', trace], { env });
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /^pow2_pool\.c on nds/);
  assert.match(run.stdout, /ALU \d[\d,]* cycles \(ESTIMATE from executed wasm instructions\)/);
});

test('a compile error: clang\'s file:line message on one line, exit 2', () => {
  const bad = path.join(dir, 'broken.c');
  fs.writeFileSync(bad, '#include <stddef.h>\nvoid rsim_init(void *h, size_t n) {}\nvoid *rsim_malloc(size_t n) { return n + ; }\n');
  const r = cli(['run', '--device', 'nds', '--allocator', bad, '--trace', trace], { env });
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^rmalloc-sim: .*broken\.c:3: error: expected expression \(ALLOCATOR_BUILD\)$/);
});

test.run();
