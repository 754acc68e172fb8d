/**
 * Tests written for the mutants that survived the seeded mutation sample of issue 15 item 8
 * (bench/mutation.md, `make mutate`). Each states a rule of the contract or of the metrics,
 * checked through public behaviour, and names the mutant(s) it was written for.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { allocatorNames, getFactory } from '../src/alloc';
import { makeHeap, walkList } from './helpers/heap';

const t = suite('mutation sample: rules the sample found untested');

// first-fit.ts / best-fit.ts factory `moving: false` -> true.
t('a factory says moving exactly when its blocks can move: then it compacts; otherwise a handle is its payload address', () => {
  for (const name of allocatorNames()) {
    const f = getFactory(name);
    const h = makeHeap(name, 64 * 1024);
    const a = h.alloc;
    assert.is(a.moving, f.moving, `${name}: instance and factory agree`);
    assert.is(typeof a.compact === 'function', f.moving, `${name}: compact() exactly when moving`);
    if (!f.moving) {
      for (const size of [1, 24, 300]) {
        const x = a.alloc(size);
        assert.ok(x !== 0, `${name}: alloc(${size})`);
        assert.is(a.addressOf(x), x, `${name}: handle = payload address`);
        assert.is(a.lock(x), x, `${name}: lock returns the handle`);
        a.unlock(x);
      }
    }
  }
});

// buddy.ts check(): `(bad tag) || k < minOrder || ...` -> `(bad tag) && k < minOrder || ...`.
t('buddy check(): a header whose tag is neither free nor used is reported, whatever its order', () => {
  const h = makeHeap('buddy', 4096);
  const a = h.alloc;
  a.alloc(100);
  const x = a.alloc(100);
  assert.equal(a.check(), []);
  const blk = walkList(a).find((b) => b.handle === x)!;
  const hdr = h.bus.peekPtr(blk.addr);
  // Keep the order byte (valid), replace the tag byte with one that is neither tag.
  h.bus.pokePtr(blk.addr, (hdr & 0xff) | 0x3c00);
  const v = a.check();
  assert.ok(v.some((m) => /bad header/.test(m)), JSON.stringify(v));
});

t.run();
