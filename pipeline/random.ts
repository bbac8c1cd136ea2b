// numpy's legacy RandomState (MT19937) — only what scikit-learn's StratifiedShuffleSplit draws from it:
// seeding with an integer, permutation/shuffle, and choice without replacement. Same seed, same numbers,
// so a split made here equals the one scikit-learn makes with random_state=seed.

const N = 624;
const M = 397;

export class RandomState {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`RandomState: seed must be an integer in [0, 2**32-1], got ${seed}`);
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 * prev + i in 32-bit arithmetic, split to stay exact in float64
      this.mt[i] = ((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i;
    }
  }

  /** genrand_int32 of the reference MT19937. */
  nextUint32(): number {
    const mt = this.mt;
    if (this.index >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy's random_interval: uniform in [0, max] by masked rejection (max < 2**32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    for (let s = 1; s <= 16; s <<= 1) mask |= mask >>> s;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** In-place Fisher–Yates from the end, as RandomState.shuffle on a 1-d array. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** RandomState.permutation(n) or permutation(array) (the array is copied). */
  permutation(n: number): number[];
  permutation<T>(a: readonly T[]): T[];
  permutation<T>(x: number | readonly T[]): Array<number | T> {
    return this.shuffle<number | T>(typeof x === 'number' ? Array.from({ length: x }, (_, i) => i) : [...x]);
  }

  /** RandomState.choice(a, size, replace=False) without p: the first `size` of a permutation. */
  choiceWithoutReplacement<T>(a: readonly T[], size: number): T[] {
    if (size > a.length) throw new Error(`choice: cannot take ${size} of ${a.length} without replacement`);
    return this.permutation(a.length).slice(0, size).map((i) => a[i]);
  }

  /** A float in [0, 1) with 53 random bits (numpy's random_sample). */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}
