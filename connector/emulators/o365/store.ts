/**
 * Blob index of the O365 emulator: blobs sorted by contentCreated with binary search, so listings over a
 * dataset of tens of thousands of records stay cheap, plus a map by contentId for blob GETs.
 */
import type { EmulatedBlob } from "./publisher.ts";

/** One page of a listing. */
export interface ListingPage {
  blobs: EmulatedBlob[];
  /** Index to resume from, when more blobs may follow. */
  next?: number;
}

export class BlobStore {
  private sorted: EmulatedBlob[] = [];
  private readonly byId = new Map<string, EmulatedBlob>();

  constructor(blobs: EmulatedBlob[] = []) {
    this.add(blobs);
  }

  /** Adds blobs, keeping the order by `created` (then contentId). */
  add(blobs: EmulatedBlob[]): void {
    for (const b of blobs) this.byId.set(b.contentId, b);
    this.sorted = this.sorted
      .concat(blobs)
      .sort((a, b) => a.created - b.created || a.contentId.localeCompare(b.contentId));
  }

  get(contentId: string): EmulatedBlob | undefined {
    return this.byId.get(contentId);
  }

  all(): readonly EmulatedBlob[] {
    return this.sorted;
  }

  /** First index whose `created` is >= t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] as EmulatedBlob).created < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Blobs of `contentType` with `start <= created < end` that are visible at `now`, starting at index `from`
   * (a paging cursor), at most `pageSize` of them.
   */
  list(
    contentType: string,
    start: number,
    end: number,
    now: number,
    from: number | undefined,
    pageSize: number,
  ): ListingPage {
    const out: EmulatedBlob[] = [];
    let i = Math.max(from ?? 0, this.lowerBound(start));
    for (; i < this.sorted.length; i++) {
      const b = this.sorted[i] as EmulatedBlob;
      if (b.created >= end) return { blobs: out };
      if (b.contentType !== contentType || b.visibleAt > now || b.created > now) continue;
      if (out.length === pageSize) return { blobs: out, next: i };
      out.push(b);
    }
    return { blobs: out };
  }
}
