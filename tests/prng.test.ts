/**
 * The seeded PRNG (src/util/prng.ts): its output must equal an independent, straightforward
 * BigInt implementation of splitmix32 seeding + xoshiro128** (Blackman & Vigna), and it must be
 * deterministic. The reference is checked against values worked out by hand from the
 * algorithm's definition.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Prng } from '../src/util/prng';

const M = (1n << 32n) - 1n;
const u32 = (x: bigint): bigint => x & M;
const rotl = (x: bigint, k: bigint): bigint => u32((x << k) | (x >> (32n - k)));

/** splitmix32 as the generator documents it: add the golden gamma, then mix. */
function splitmix32(seed: bigint): () => bigint {
  let s = u32(seed);
  return () => {
    s = u32(s + 0x9e3779b9n);
    let z = s;
    z = u32((z ^ (z >> 16n)) * 0x85ebca6bn);
    z = u32((z ^ (z >> 13n)) * 0xc2b2ae35n);
    return z ^ (z >> 16n);
  };
}

/** xoshiro128** over a 4-word state, straight from the published definition. */
class RefXoshiro {
  s: bigint[];
  constructor(state: bigint[]) {
    this.s = [...state];
  }
  static seeded(seed: number): RefXoshiro {
    const sm = splitmix32(BigInt(seed) & M);
    return new RefXoshiro([sm(), sm(), sm(), sm()]);
  }
  next(): bigint {
    const s = this.s as [bigint, bigint, bigint, bigint];
    const result = u32(rotl(u32(s[1] * 5n), 7n) * 9n);
    const t = u32(s[1] << 9n);
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    return result;
  }
}

const P = suite('prng');

P('the reference matches values worked out by hand for state {1, 2, 3, 4}', () => {
  const r = new RefXoshiro([1n, 2n, 3n, 4n]);
  // 1st: rotl(2 * 5, 7) * 9 = 1280 * 9. Then t = 2 << 9 = 1024, s2 = 3 ^ 1 = 2, s3 = 4 ^ 2 = 6,
  // s1 = 2 ^ 2 = 0, s0 = 1 ^ 6 = 7, s2 = 2 ^ 1024 = 1026, s3 = rotl(6, 11) = 12288.
  assert.is(r.next(), 11520n);
  assert.equal(r.s, [7n, 0n, 1026n, 12288n]);
  // 2nd: s1 = 0, so the output is 0.
  assert.is(r.next(), 0n);
  // splitmix32(0): first state increment is the golden gamma itself.
  const z0 = 0x9e3779b9n;
  const z1 = u32((z0 ^ (z0 >> 16n)) * 0x85ebca6bn);
  const z2 = u32((z1 ^ (z1 >> 13n)) * 0xc2b2ae35n);
  assert.is(splitmix32(0n)(), z2 ^ (z2 >> 16n));
});

P('golden sequence: the first 1000 outputs equal the BigInt reference, for several seeds', () => {
  for (const seed of [0, 1, 42, 0x7fffffff, 0xffffffff, 123456789]) {
    const p = new Prng(seed);
    const r = RefXoshiro.seeded(seed);
    for (let i = 0; i < 1000; i++) {
      const want = Number(r.next());
      const got = p.nextU32();
      if (got !== want) assert.unreachable(`seed ${seed}, output ${i}: got ${got}, want ${want}`);
    }
  }
});

P('next() and int() derive from nextU32()', () => {
  const r = RefXoshiro.seeded(7);
  const p = new Prng(7);
  for (let i = 0; i < 200; i++) {
    const u = Number(r.next());
    const x = p.next();
    assert.is(x, u / 4294967296);
    assert.ok(x >= 0 && x < 1);
  }
  const q = new Prng(7);
  const r2 = RefXoshiro.seeded(7);
  for (let i = 0; i < 200; i++) {
    const v = q.int(-3, 12);
    assert.is(v, -3 + Math.floor((Number(r2.next()) / 4294967296) * 16));
    assert.ok(v >= -3 && v <= 12);
  }
});

P('deterministic: the same seed gives the same sequence; different seeds differ', () => {
  const a = new Prng(2024);
  const b = new Prng(2024);
  const c = new Prng(2025);
  const sa: number[] = [];
  const sb: number[] = [];
  const sc: number[] = [];
  for (let i = 0; i < 64; i++) {
    sa.push(a.nextU32());
    sb.push(b.nextU32());
    sc.push(c.nextU32());
  }
  assert.equal(sa, sb);
  assert.not.equal(sa, sc);
  // Seeds are taken modulo 2^32.
  assert.is(new Prng(5 + 2 ** 32).nextU32(), new Prng(5).nextU32());
});

P('int() covers its whole range', () => {
  const p = new Prng(99);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) seen.add(p.int(1, 6));
  assert.equal([...seen].sort(), [1, 2, 3, 4, 5, 6]);
});

P.run();
