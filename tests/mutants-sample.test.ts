/**
 * Tests written for the mutants that survived the seeded mutation sample of issue 15 item 8
 * (bench/mutation.md, `make mutate`). Each states a rule of the contract or of the metrics,
 * checked through public behaviour, and names the mutant(s) it was written for.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { allocatorNames, getFactory } from '../src/alloc';
import { invariantViolations, makeHeap, walkList } from './helpers/heap';
import { SimError } from '../src/errors';
import { soakTrace } from '../src/sim/soak';
import { OP_FREE, OP_LOCK, OP_UNLOCK } from '../src/trace';

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

// dlmalloc.ts realloc: `rsize >= this.minChunk` -> `>`.
t('dlmalloc: a shrinking realloc splits off the tail exactly when the tail can be a chunk (>= 4 words, aligned)', () => {
  const h = makeHeap('dlmalloc', 4096);
  const a = h.alloc;
  // MIN_CHUNK_SIZE: four pointer words rounded up to the alignment (16 bytes on nds).
  const minChunk = Math.ceil((4 * h.dev.cpu.pointerBytes) / h.dev.alignment) * h.dev.alignment;
  const size = 200;
  for (const [tail, splits] of [[minChunk, true], [minChunk - h.dev.alignment, false]] as const) {
    const x = a.alloc(size);
    a.alloc(size); // a used neighbour: the tail cannot merge into the next chunk
    const fp = a.blockFootprint(size);
    // The largest request whose footprint is exactly `tail` bytes smaller.
    let req = size;
    while (req > 0 && a.blockFootprint(req) > fp - tail) req--;
    assert.is(a.blockFootprint(req), fp - tail);
    const blocks0 = walkList(a);
    const xb = blocks0.find((b) => b.handle === x)!;
    assert.is(a.realloc(x, req), x, 'in place');
    const after = walkList(a);
    const xa = after.find((b) => b.handle === x)!;
    const next = after.find((b) => b.addr === xa.addr + xa.size)!;
    if (splits) {
      assert.is(xa.size, xb.size - tail, `tail ${tail}: x shrinks`);
      assert.equal([next.state, next.size], ['free', tail]);
    } else {
      assert.is(xa.size, xb.size, `tail ${tail}: too small to split, x keeps its chunk`);
      assert.is(next.state, 'used');
    }
    assert.equal(a.check(), []);
  }
});

// tlsf.ts constructor: `P === 2 && this.flIndexMax > 13` -> false.
t('tlsf on a 16-bit device refuses flIndexMax above 13 (the size word has 14 bits left beside its two flags)', () => {
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      return e instanceof SimError ? e.code : String(e);
    }
  };
  assert.is(code(() => makeHeap('tlsf', undefined, { flIndexMax: 14 }, 'avr-uno')), 'ALLOCATOR_PARAM');
  assert.is(code(() => makeHeap('tlsf', undefined, { flIndexMax: 13 }, 'avr-uno')), undefined);
});

// check.ts heapProblems: `!a.moving && (payload outside [addr, addr + size))` -> false.
t('the invariant checker reports a used block of a non-moving allocator whose payload does not fit inside the block', () => {
  const h = makeHeap('first-fit', 4096);
  const x = h.alloc.alloc(64);
  const live = new Map([[x, 64]]);
  assert.equal(invariantViolations(h, live), []);
  // walk() now claims x's block is only 8 bytes long: its 64+ usable bytes cannot lie inside.
  const walk = h.alloc.walk.bind(h.alloc);
  h.alloc.walk = (visit) => walk((b) => visit(b.handle === x ? { ...b, size: 8 } : b));
  const v = invariantViolations(h, live);
  assert.ok(v.some((m) => /payload lies outside its block/.test(m)), JSON.stringify(v));
});

// dlmalloc.ts check(): `s < align || s % align !== 0 || c + s > arenaEnd` -> false.
t('dlmalloc check(): a chunk whose size runs past the arena is reported as a bad size', () => {
  const h = makeHeap('dlmalloc', 4096);
  const a = h.alloc;
  a.alloc(40);
  const x = a.alloc(40);
  a.alloc(40);
  assert.equal(a.check(), []);
  // The chunk header is the word before the payload: keep its two flag bits, claim 1 MiB.
  const S = h.dev.cpu.pointerBytes;
  const hd = h.bus.peekPtr(x - S);
  h.bus.pokePtr(x - S, 0x100000 | (hd & 3));
  const v = a.check();
  assert.ok(v.some((m) => /bad size/.test(m)), JSON.stringify(v));
});

// slab.ts alloc: `if (pg === 0 && this.reap()) pg = this.pagesAlloc(1)` without the retry.
t('slab: when the page pool runs dry, the empty slabs caches keep are reaped, so another class gets every page back', () => {
  const params = { page: 512, classes: '16,128', 'keep-empty': 1000 };
  const fill = (a: ReturnType<typeof makeHeap>['alloc'], size: number): number[] => {
    const got: number[] = [];
    for (let x = a.alloc(size); x !== 0; x = a.alloc(size)) got.push(x);
    return got;
  };
  const fresh = fill(makeHeap('slab', 16 * 1024, params).alloc, 128).length;
  assert.ok(fresh > 0);
  const h = makeHeap('slab', 16 * 1024, params);
  const small = fill(h.alloc, 16);
  for (const x of small) h.alloc.free(x); // every slab empty, all kept (keep-empty 1000)
  assert.is(fill(h.alloc, 128).length, fresh);
  assert.equal(h.alloc.check(), []);
});

// umm.ts check(): the message for a free-list entry that is not a free block dropped (the
// count mismatch that follows would still make check() non-empty).
t('umm check(): a free list that links a used block is reported as holding a block that is not free', () => {
  const h = makeHeap('umm', 4096);
  const a = h.alloc as ReturnType<typeof makeHeap>['alloc'] & { blockSize: number };
  const x = a.alloc(32);
  a.alloc(32);
  assert.equal(a.check(), []);
  // umm numbers blocks from the heap's block 0 (the free-list head, at the start of the
  // blocks); block 0's next-free field (offset 4) heads the list. Point it at x's block.
  const bs = a.blockSize;
  const blocks = walkList(a);
  const base = blocks[1]!.addr - bs; // walk: [meta up to block 1, block 1, ...]
  const xb = blocks.find((b) => b.handle === x)!;
  h.bus.poke16(base + 4, (xb.addr - base) / bs);
  const v = a.check();
  assert.ok(v.some((m) => /free list holds block \d+, which is not free/.test(m)), JSON.stringify(v));
});

// slab.ts constructor: `originFor(n) + n * page > this.end` -> `-` (no page dropped when the
// aligned origin pushes the last page past the heap end).
t('slab: every page lies inside the heap, whatever the heap size (the aligned page origin may cost a page)', () => {
  for (let size = 2048; size <= 2048 + 2 * 512; size += 4) {
    const h = makeHeap('slab', size, { page: 512, classes: '16,64' });
    const end = h.heaps[0]!.base + h.heaps[0]!.size;
    for (const b of walkList(h.alloc)) assert.ok(b.addr + b.size <= end, `heap ${size}: block @${b.addr} size ${b.size} ends past ${end}`);
    const live = new Map<number, number>();
    for (let x = h.alloc.alloc(64); x !== 0; x = h.alloc.alloc(64)) live.set(x, 64);
    assert.equal(invariantViolations(h, live), [], `heap ${size}`);
  }
});

// soak.ts workload: the unlock branch `if (locked.length > 0)` -> false (blocks are then only
// unlocked right before their free, so no block is ever moved after being pinned).
t('soak workload (moving allocators): locked blocks are also unlocked while they stay live, at most 4 held at a time', () => {
  const tr = soakTrace({ seed: 3, ops: 20000, heapSize: 64 * 1024, moving: true });
  const { kind, id } = tr.ops;
  const held = new Set<number>();
  let maxHeld = 0;
  let unlockedAlive = 0;
  for (let i = 0; i < tr.ops.n; i++) {
    if (kind[i] === OP_LOCK) held.add(id[i]!);
    else if (kind[i] === OP_UNLOCK) {
      held.delete(id[i]!);
      if (!(kind[i + 1] === OP_FREE && id[i + 1] === id[i])) unlockedAlive++;
    }
    maxHeld = Math.max(maxHeld, held.size);
  }
  assert.ok(unlockedAlive > 0, 'some unlocks are not followed by the free of that block');
  assert.ok(maxHeld >= 1 && maxHeld <= 4, `held at most 4 (saw ${maxHeld})`);
});

t.run();
