import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  advanceCursor,
  cursorFor,
  cursorProblems,
  isWindowComplete,
  pendingBlobs,
  resumeCursor,
} from "../../connector/pipeline/cursor.ts";
import { ProgressTracker } from "../../connector/pipeline/progress.ts";
import { DEFAULT_WINDOW_POLICY } from "../../connector/pipeline/windows.ts";
import type { ContentBlobRef } from "../../connector/source/types.ts";

const t = (s: string) => Date.parse(s);
const NOW = t("2026-03-10T12:00:00Z");
const P = DEFAULT_WINDOW_POLICY;

function blob(id: string, created: string): ContentBlobRef {
  return {
    contentType: "Audit.Exchange",
    contentId: `20260309${id}$20260309${id}$audit_exchange$Audit_Exchange$emea0036`,
    contentUri: `https://manage.office.com/api/v1.0/t/activity/feed/audit/${id}`,
    contentCreated: created,
    contentExpiration: new Date(t(created) + 7 * 86_400_000).toISOString(),
  };
}

describe("cursor", () => {
  it("starts a new cursor at the initial window when nothing is stored", () => {
    const r = resumeCursor(null, NOW, P);
    assert.equal(r.changed, true);
    assert.equal(r.cursor.windowStart, "2026-03-03T12:10:00.000Z");
    assert.deepEqual(r.cursor.doneContentIds, []);
  });

  it("re-lists a stored window with its original start time", () => {
    const stored = cursorFor({ start: t("2026-03-10T08:13:07Z"), end: t("2026-03-10T11:13:07Z") });
    const r = resumeCursor(stored, NOW, P);
    assert.equal(r.changed, false);
    assert.equal(r.window?.start, t("2026-03-10T08:13:07Z"));
  });

  it("clamps a stale cursor to the retention and reports the lost range", () => {
    const stored = cursorFor({ start: t("2026-02-20T00:00:00Z"), end: t("2026-02-20T03:00:00Z") });
    stored.inBlob = { old: 10 };
    const r = resumeCursor(stored, NOW, P);
    assert.equal(r.changed, true);
    assert.deepEqual(r.lost, { start: t("2026-02-20T00:00:00Z"), end: t("2026-03-03T12:10:00Z") });
    assert.equal(r.cursor.windowStart, "2026-03-03T12:10:00.000Z");
    assert.deepEqual(r.cursor.inBlob, {}, "partial blobs older than retention cannot be resumed");
  });

  it("skips done blobs, resumes partial blobs at their line and sorts oldest first", () => {
    const a = blob("a", "2026-03-10T09:30:00.000Z");
    const b = blob("b", "2026-03-10T09:10:00.000Z");
    const c = blob("c", "2026-03-10T09:10:00.000Z");
    const cur = cursorFor({ start: t("2026-03-10T08:00:00Z"), end: t("2026-03-10T11:00:00Z") }, [a.contentId]);
    cur.inBlob[c.contentId] = 17;
    const p = pendingBlobs(cur, [a, c, b, c]);
    assert.deepEqual(
      p.map((x) => [x.ref.contentId.slice(8, 9), x.skip]),
      [
        ["b", 0],
        ["c", 17],
      ],
    );
  });

  it("advances a complete window keeping only done blobs inside the overlap", () => {
    const old = blob("o", "2026-03-10T08:30:00.000Z");
    const recent = blob("r", "2026-03-10T10:30:00.000Z");
    const cur = cursorFor({ start: t("2026-03-10T08:00:00Z"), end: t("2026-03-10T11:00:00Z") }, [
      old.contentId,
      recent.contentId,
    ]);
    assert.equal(isWindowComplete(cur, [old, recent]), true);
    const next = advanceCursor(cur, [old, recent], NOW, P);
    assert.ok(next);
    assert.equal(next.windowStart, "2026-03-10T09:00:00.000Z");
    assert.equal(next.windowEnd, "2026-03-10T12:00:00.000Z");
    assert.deepEqual(next.doneContentIds, [recent.contentId]);
  });

  it("does not call a window complete while a blob is partly delivered", () => {
    const a = blob("a", "2026-03-10T09:30:00.000Z");
    const cur = cursorFor({ start: t("2026-03-10T08:00:00Z"), end: t("2026-03-10T11:00:00Z") });
    const tr = new ProgressTracker(cur);
    tr.apply([{ contentId: a.contentId, consumed: 3, complete: false, contentCreated: a.contentCreated }]);
    assert.equal(isWindowComplete(tr.snapshot(), [a]), false);
    tr.apply([{ contentId: a.contentId, consumed: 5, complete: true, contentCreated: a.contentCreated }]);
    const snap = tr.snapshot();
    assert.equal(isWindowComplete(snap, [a]), true);
    assert.equal(snap.newestContentCreated, a.contentCreated);
  });

  it("never moves in-blob progress backwards", () => {
    const cur = cursorFor({ start: t("2026-03-10T08:00:00Z"), end: t("2026-03-10T11:00:00Z") });
    const tr = new ProgressTracker(cur);
    tr.apply([{ contentId: "x", consumed: 9, complete: false, contentCreated: "2026-03-10T09:00:00Z" }]);
    tr.apply([{ contentId: "x", consumed: 4, complete: false, contentCreated: "2026-03-10T09:00:00Z" }]);
    assert.equal(tr.snapshot().inBlob.x, 9);
  });

  it("reports every problem of a damaged cursor document", () => {
    assert.deepEqual(cursorProblems({ version: 2, windowStart: "x", doneContentIds: [1], inBlob: { a: -1 } }), [
      "unsupported cursor version 2",
      "windowStart is not a time",
      "windowEnd is not a time",
      "doneContentIds is not a list of strings",
      "inBlob is not a map of record counts",
    ]);
    assert.deepEqual(cursorProblems(cursorFor({ start: NOW - 1000, end: NOW })), []);
  });
});
