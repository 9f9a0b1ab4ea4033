/** Deterministic pseudo-random numbers for the dataset generator (same seed, same dataset). */

/** mulberry32: small, fast, good enough for synthetic data (not for anything security related). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  /** A random-looking GUID (version 4 layout) drawn from this generator. */
  guid(): string {
    const hex = (n: number) => Array.from({ length: n }, () => Math.floor(this.next() * 16).toString(16)).join("");
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[this.int(0, 3)]}${hex(3)}-${hex(12)}`;
  }

  hex(n: number): string {
    return Array.from({ length: n }, () => Math.floor(this.next() * 16).toString(16))
      .join("")
      .toUpperCase();
  }

  /** A derived generator, so adding draws in one part of the dataset does not shift another part. */
  fork(label: string): Rng {
    let h = this.state ^ 0x811c9dc5;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
    return new Rng(h >>> 0);
  }
}

/** Seeds a generator from a seed and labels (user, day...) so slices of the dataset are independent. */
export function rngFor(seed: number, ...labels: (string | number)[]): Rng {
  let h = (seed >>> 0) ^ 0x811c9dc5;
  for (const label of labels) {
    const s = String(label);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
    h = Math.imul(h ^ 0x2f, 16777619);
  }
  return new Rng(h >>> 0);
}
