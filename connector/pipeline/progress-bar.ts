/** A one-line progress bar on a terminal (stderr) for backfills: fraction of the time range, rows, lag. */
import type { CollectProgress } from "./collect-types.ts";

export interface ProgressBar {
  update(unit: { tenantId: string; contentType: string }, p: CollectProgress): void;
  done(): void;
}

/** Renders progress of a backfill of `[from, to)` on `stream` (only when it is a TTY; otherwise does nothing). */
export function createProgressBar(
  from: number,
  to: number,
  stream: NodeJS.WriteStream = process.stderr,
  width = 30,
): ProgressBar {
  if (!stream.isTTY) return { update() {}, done() {} };
  const units = new Map<string, number>();
  let rows = 0;
  let last = 0;
  return {
    update(unit, p) {
      // Within a window, count listed blobs done as a share of that window.
      const share = p.blobsListed > 0 ? p.blobsDone / p.blobsListed : 1;
      const reached = p.window.start + (p.window.end - p.window.start) * share;
      units.set(`${unit.tenantId}/${unit.contentType}`, Math.min(1, Math.max(0, (reached - from) / (to - from))));
      rows = Math.max(rows, p.rowsOut);
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const fraction = [...units.values()].reduce((a, b) => a + b, 0) / units.size;
      const filled = Math.round(fraction * width);
      const at = new Date(p.window.end).toISOString().slice(0, 16).replace("T", " ");
      stream.write(
        `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${unit.contentType} up to ${at} UTC  rows ${p.rowsOut}   `,
      );
    },
    done() {
      stream.write("\n");
    },
  };
}
