/**
 * One blob lease per (tenant, content type): the holder is the only instance allowed to work on that
 * cursor. Leases are renewed in the background; if a renewal fails (the lease expired or was broken)
 * the lease's AbortSignal fires and the holder stops cleanly without committing. A crashed holder's
 * lease expires after `leaseSeconds` and another instance acquires it and resumes from the last
 * committed checkpoint.
 */
import { randomUUID } from "node:crypto";
import type { ContainerClient } from "@azure/storage-blob";
import { type Logger, silentLogger } from "../../log.ts";
import type { CursorKey, Lease, LeaseManager } from "../types.ts";
import { isStatus, segment } from "./clients.ts";

export interface BlobLeaseOptions {
  /** Lease duration, 15..60 s (the service's range for finite leases). Default 30. */
  leaseSeconds?: number;
  /** How often to renew; default a third of the duration. */
  renewEveryMs?: number;
  /** Identifies this instance in logs. */
  instance?: string;
  logger?: Logger;
}

export class BlobLeaseManager implements LeaseManager {
  private readonly container: ContainerClient;
  private readonly leaseSeconds: number;
  private readonly renewEveryMs: number;
  private readonly instance: string;
  private readonly logger: Logger;

  constructor(container: ContainerClient, options: BlobLeaseOptions = {}) {
    this.container = container;
    this.leaseSeconds = options.leaseSeconds ?? 30;
    if (this.leaseSeconds < 15 || this.leaseSeconds > 60) throw new RangeError("leaseSeconds must be within 15..60");
    this.renewEveryMs = options.renewEveryMs ?? Math.floor((this.leaseSeconds * 1000) / 3);
    this.instance = options.instance ?? randomUUID();
    this.logger = options.logger ?? silentLogger;
  }

  async tryAcquire(key: CursorKey): Promise<Lease | null> {
    const blob = this.container.getBlockBlobClient(`leases/${segment(key.tenantId)}/${segment(key.contentType)}`);
    try {
      await blob.upload("", 0, { conditions: { ifNoneMatch: "*" } });
    } catch (err) {
      // 409: the lease blob exists already (normal); 412: it exists and is leased.
      if (!isStatus(err, 409, 412)) throw err;
    }
    const leaseClient = blob.getBlobLeaseClient(randomUUID());
    try {
      await leaseClient.acquireLease(this.leaseSeconds);
    } catch (err) {
      if (isStatus(err, 409)) return null;
      throw err;
    }
    const controller = new AbortController();
    const log = this.logger.child({ tenantId: key.tenantId, contentType: key.contentType, instance: this.instance });
    log.info("lease acquired", { leaseSeconds: this.leaseSeconds });
    let released = false;
    const timer = setInterval(() => {
      leaseClient.renewLease().catch((err: unknown) => {
        if (released) return;
        clearInterval(timer);
        log.warn("lease lost: stopping work on this cursor without committing", { error: err });
        controller.abort(new Error(`lease on ${key.tenantId}/${key.contentType} lost`));
      });
    }, this.renewEveryMs);
    timer.unref();
    return {
      key,
      signal: controller.signal,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        try {
          await leaseClient.releaseLease();
          log.info("lease released");
        } catch (err) {
          // Already expired or taken over: nothing to release.
          if (!isStatus(err, 409, 412)) throw err;
        }
      },
    };
  }
}
