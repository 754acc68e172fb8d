/** captureStdout (src/util/stdout.ts): what a config file's per-device runs and --shard runs use. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { captureStdout } from '../src/util';

test('keeps what is written (strings and bytes), calls write callbacks, and restores the real write', () => {
  const real = process.stdout.write;
  const c = captureStdout();
  let called = 0;
  process.stdout.write('a\n');
  process.stdout.write(new TextEncoder().encode('b'), () => called++);
  process.stdout.write('c', 'utf8', () => called++);
  c.restore();
  assert.is(process.stdout.write, real);
  assert.is(c.text(), 'a\nbc');
  assert.is(called, 2);
});

test('dropping: nothing kept, write still reports success', () => {
  const real = process.stdout.write;
  const c = captureStdout(false);
  assert.is(process.stdout.write('x'), true);
  c.restore();
  assert.is(process.stdout.write, real);
  assert.is(c.text(), '');
});

test.run();
