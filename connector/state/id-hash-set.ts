/**
 * A compact set of record ids for de-duplication: each id is reduced to a 64-bit hash stored in two
 * Uint32Arrays with open addressing (≈ 11–21 bytes per id instead of ≈ 100 for a `Set<string>`).
 *
 * Two different ids collide with probability 2^-64 per pair: with 100 million remembered ids the chance that a
 * given new record is wrongly taken for a duplicate is about 5·10^-12. docs/checkpoints.md records this.
 */

import { foldId } from "../util/record-id.ts";

export { foldId };

/**
 * Hashes to look an id up with: its folded form, plus the upper-case form of a GUID. State written before ids
 * were folded holds ids as delivered; records are upper or lower case as a whole, so both cover it until those
 * shards expire (8 days): the migration needs no rewrite of existing state.
 */
export function lookupHashes(id: string): [number, number][] {
  const folded = foldId(id);
  const upper = folded.toUpperCase();
  return upper === folded ? [hashId(folded)] : [hashId(folded), hashId(upper)];
}

/** 64-bit hash of a string as two unsigned 32-bit halves (cyrb53-style mixing of both lanes). */
export function hashId(id: string): [number, number] {
  let h1 = 0xdeadbeef ^ id.length;
  let h2 = 0x41c6ce57 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const ch = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  h1 >>>= 0;
  h2 >>>= 0;
  // (0,0) marks an empty slot.
  if (h1 === 0 && h2 === 0) h2 = 1;
  return [h1, h2];
}

/** Open-addressing hash set of 64-bit keys. */
export class IdHashSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  /** Bytes held by the tables (for memory accounting). */
  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength;
  }

  has(h1: number, h2: number): boolean {
    let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    for (;;) {
      const a = this.hi[i]!;
      const b = this.lo[i]!;
      if (a === 0 && b === 0) return false;
      if (a === h1 && b === h2) return true;
      i = (i + 1) & this.mask;
    }
  }

  /** Adds a key; returns false when it was present. */
  add(h1: number, h2: number): boolean {
    // Grows at 3/4 full: linear probing stays short (≈ 8 slots read for a miss at the worst) and a table
    // holds 10.7-21 bytes per id instead of 16-32 at 1/2 (the de-dup store is most of the connector's
    // external memory on a big tenant: 1.2M ids in the end-to-end benchmark).
    if ((this.size + 1) * 4 > this.hi.length * 3) this.grow();
    let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    for (;;) {
      const a = this.hi[i]!;
      const b = this.lo[i]!;
      if (a === 0 && b === 0) {
        this.hi[i] = h1;
        this.lo[i] = h2;
        this.size++;
        return true;
      }
      if (a === h1 && b === h2) return false;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    this.hi = new Uint32Array(oldHi.length * 2);
    this.lo = new Uint32Array(oldLo.length * 2);
    this.mask = this.hi.length - 1;
    this.size = 0;
    for (let i = 0; i < oldHi.length; i++) {
      if (oldHi[i] !== 0 || oldLo[i] !== 0) this.add(oldHi[i]!, oldLo[i]!);
    }
  }
}
