/**
 * Programmable failures for the workspace emulator, so tests can drive the sink through every path the
 * real service can take (throttling, outages, RBAC propagation, resets, slowness, oversize bodies).
 */

/** One failure the emulator can inject into a request. */
export type Fault =
  /** Answer with this HTTP status and the service's body for it (429/503 carry `Retry-After`). */
  | { kind: "status"; status: number; retryAfterSeconds?: number; code?: string; message?: string }
  /** Destroy the TCP connection after the request body was read (ECONNRESET on the client). */
  | { kind: "reset" }
  /** Wait before processing the request normally (slow service). */
  | { kind: "delay"; ms: number };

/** A queued fault: applies to the next `times` matching requests (default 1) or for `forMs` milliseconds. */
export interface FaultRule {
  fault: Fault;
  times?: number;
  forMs?: number;
  /** Only requests to this stream match (default: all). */
  stream?: string;
}

/** What a fault hook sees about a request. */
export interface FaultContext {
  dcrImmutableId: string;
  stream: string;
  /** 0-based number of the request since the emulator started. */
  index: number;
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
  until: number | undefined;
}

/** FIFO of fault rules plus an optional hook (for random faults); the first live matching rule wins. */
export class FaultQueue {
  private rules: ActiveRule[] = [];
  private hook: ((ctx: FaultContext) => Fault | undefined) | undefined;
  private readonly clock: () => number;

  constructor(clock: () => number = () => performance.now()) {
    this.clock = clock;
  }

  /** Queues a rule; `forMs` starts counting now. */
  push(rule: FaultRule): void {
    this.rules.push({
      rule,
      remaining: rule.forMs !== undefined ? Number.POSITIVE_INFINITY : (rule.times ?? 1),
      until: rule.forMs !== undefined ? this.clock() + rule.forMs : undefined,
    });
  }

  /** Convenience: `n` responses with `status` (429/503 with `retryAfterSeconds`). */
  status(status: number, times = 1, retryAfterSeconds?: number): void {
    this.push({ fault: { kind: "status", status, retryAfterSeconds }, times });
  }

  /** Installs a function consulted when no queued rule matches (e.g. seeded random transient faults). */
  setHook(hook: ((ctx: FaultContext) => Fault | undefined) | undefined): void {
    this.hook = hook;
  }

  clear(): void {
    this.rules = [];
    this.hook = undefined;
  }

  /** Rules still waiting to fire. */
  pending(): number {
    this.expire();
    return this.rules.length;
  }

  /** Takes the fault for a request, consuming one use of the matching rule. */
  take(ctx: FaultContext): Fault | undefined {
    this.expire();
    const active = this.rules.find((a) => a.rule.stream === undefined || a.rule.stream === ctx.stream);
    if (active) {
      active.remaining--;
      if (active.remaining <= 0) this.rules.splice(this.rules.indexOf(active), 1);
      return active.rule.fault;
    }
    return this.hook?.(ctx);
  }

  private expire(): void {
    const now = this.clock();
    this.rules = this.rules.filter((a) => a.remaining > 0 && (a.until === undefined || a.until > now));
  }
}
