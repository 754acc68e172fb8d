/**
 * A trace's pointer size (`# pointer-bytes: N`) against the device's: read from the header, a
 * warning on stderr when they differ (once per trace), none when they agree or the header is
 * silent; and the real CLI prints it for `run` and keeps going (exit 0).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pointerSizeWarning, tracePointerBytes, traceFromText } from '../src/trace';
import { cli } from './cli-spawn';

const nds = { name: 'nds', cpu: { pointerBytes: 4 } };

test('tracePointerBytes reads the header line; pointerSizeWarning says which way sizes differ', () => {
  const t8 = traceFromText('# program: /usr/bin/ed\n# pointer-bytes: 8\na 0 16\n', 'x86-64.trace');
  const t4 = traceFromText('# pointer-bytes: 4\na 0 16\n', 'i386.trace');
  const t2 = traceFromText('# pointer-bytes: 2\na 0 16\n', 'avr.trace');
  const none = traceFromText('a 0 16\n', 'plain.trace');
  assert.is(tracePointerBytes(t8.info.header), 8);
  assert.is(tracePointerBytes(t4.info.header), 4);
  assert.is(tracePointerBytes(none.info.header), null);
  assert.match(pointerSizeWarning(t8.info, nds)!, /^x86-64\.trace: a trace of 8-byte pointers \(pointer-bytes: 8\) replayed on the nds, which has 4-byte pointers: .* larger than on the device \(POINTER_SIZE warning\)$/);
  assert.match(pointerSizeWarning(t2.info, nds)!, /2-byte pointers.*smaller than on the device/);
  assert.is(pointerSizeWarning(t4.info, nds), null);
  assert.is(pointerSizeWarning(none.info, nds), null);
});

test('CLI run: a 64-bit trace on the nds warns on stderr and still runs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-ptr-'));
  const f = path.join(dir, 'x86-64.trace');
  fs.writeFileSync(f, '# pointer-bytes: 8\na 0 16\nf 0\n');
  const r = cli(['run', '--device', 'nds', '--allocator', 'first-fit', '--trace', f, '--heap', '4KiB', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr.trim(), `rmalloc-sim: ${f}: a trace of 8-byte pointers (pointer-bytes: 8) replayed on the nds, which has 4-byte pointers: blocks of structures that hold pointers are larger than on the device (POINTER_SIZE warning)`);
  assert.is(JSON.parse(r.stdout).trace.allocs, 1);
  fs.writeFileSync(f, '# pointer-bytes: 4\na 0 16\nf 0\n');
  assert.is(cli(['run', '--device', 'nds', '--allocator', 'first-fit', '--trace', f, '--heap', '4KiB', '--json']).stderr, '');
  fs.rmSync(dir, { recursive: true });
});

test.run();
