/** A small seeded PRNG (mulberry32) for the fuzz suites: the same seed gives the same run. */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The seed of a fuzz run: `FUZZ_SEED` when set, else a fresh one (printed by the suite so that a failure can be replayed). */
export function fuzzSeed(): number {
  const env = process.env.FUZZ_SEED;
  if (env && /^\d+$/.test(env)) return Number(env);
  return Math.floor(Math.random() * 2 ** 31);
}

/** A count from the environment (`FUZZ_EDITS=100000`), else the CI-sized default, else the long-mode size. */
export function fuzzCount(name: string, ciDefault: number, longDefault: number): number {
  const env = process.env[name];
  if (env && /^\d+$/.test(env)) return Number(env);
  return process.env.FUZZ_LONG ? longDefault : ciDefault;
}

/** The PRNG as a plain function, for generators written against `() => number`. */
export function rng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}
