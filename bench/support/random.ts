import { createHash, randomBytes } from 'node:crypto';

/** A seeded generator (sfc32): the same seed gives the same sequence on every machine. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  integer(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

export const createRandom = (seed: string): Random => {
  const digest = createHash('sha256').update(seed).digest();
  let a = digest.readUInt32LE(0), b = digest.readUInt32LE(4), c = digest.readUInt32LE(8), d = digest.readUInt32LE(12);
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let warmUp = 0; warmUp < 12; warmUp++) next();
  const integer = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    integer,
    pick: <T>(items: readonly T[]): T => items[integer(0, items.length - 1)]!,
    chance: (p: number) => next() < p,
  };
};

/** A fresh seed per run, so generated texts are new to the embedding cache; pass `--seed` to repeat a run. */
export const freshSeed = (): string => randomBytes(4).toString('hex');
