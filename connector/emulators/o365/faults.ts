/**
 * Injectable faults of the O365 emulator. Tests push faults; each request takes the first matching fault
 * (by route) and decrements its `times`. Every failure mode the client must survive has a kind here.
 */

/** Which requests a fault applies to. */
export type Route = "list" | "start" | "stop" | "content" | "blob" | "notifications" | "unknown";

interface FaultBase {
  /** Routes this fault applies to; default all. */
  on?: Route | Route[];
  /** How many requests it affects; default 1. `Infinity` keeps it. */
  times?: number;
}

export type Fault = FaultBase &
  (
    | { kind: "throttle"; status: 403 | 429; retryAfterSec?: number; publisherIdZero?: boolean }
    | { kind: "error"; status: number; code?: string; message?: string }
    | { kind: "reset-mid-body" }
    | { kind: "truncate-body" }
    | { kind: "slow"; delayMs: number }
    | { kind: "date-skew"; skewMs: number }
    | { kind: "foreign-content-uri"; origin?: string }
    | { kind: "foreign-next-page"; origin?: string }
  );

/** A FIFO of faults with per-route matching. */
export class FaultQueue {
  private readonly items: Array<Fault & { remaining: number }> = [];

  push(...faults: Fault[]): void {
    for (const f of faults) this.items.push({ ...f, remaining: f.times ?? 1 });
  }

  clear(): void {
    this.items.length = 0;
  }

  get length(): number {
    return this.items.length;
  }

  /** Takes every fault that applies to `route`: at most one per kind, first match wins. */
  take(route: Route): Fault[] {
    const taken: Fault[] = [];
    const kinds = new Set<string>();
    for (let i = 0; i < this.items.length; i++) {
      const f = this.items[i] as Fault & { remaining: number };
      const routes = f.on === undefined ? undefined : Array.isArray(f.on) ? f.on : [f.on];
      if (routes && !routes.includes(route)) continue;
      if (kinds.has(f.kind)) continue;
      kinds.add(f.kind);
      taken.push(f);
      f.remaining--;
      if (f.remaining <= 0) {
        this.items.splice(i, 1);
        i--;
      }
    }
    return taken;
  }
}
