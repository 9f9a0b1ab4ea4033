/**
 * Fault matrix, ingestion and state side: Logs Ingestion failures (workspace emulator) and state-folder
 * failures leave the pipeline correct. The sink's waits run on a fake clock (support.ts): "403 for 5 minutes"
 * is 5 minutes of fake time, so the real 403 backoff (30 s doubling to 5 min) is exercised in milliseconds.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StateWriteError } from "../../connector/state/atomic-file.ts";
import { FileCheckpointStore } from "../../connector/state/file-checkpoint-store.ts";
import type { CheckpointStore } from "../../connector/state/types.ts";
import { assertComplete, type FaultEnv, withFaultEnvironment } from "./support.ts";

const KEY = (env: FaultEnv) => ({ tenantId: env.tenantId, contentType: "Audit.Exchange" });

describe("fault matrix: Logs Ingestion and state", { timeout: 60_000 }, () => {
  it("retries 5xx bursts, 429 with Retry-After and connection resets from the ingestion endpoint", async () => {
    await withFaultEnvironment({}, async (env) => {
      env.workspace.faults.push({ fault: { kind: "status", status: 503, retryAfterSeconds: 9 }, times: 3 });
      env.workspace.faults.push({ fault: { kind: "status", status: 500 }, times: 2 });
      env.workspace.faults.push({ fault: { kind: "status", status: 429, retryAfterSeconds: 41 }, times: 2 });
      env.workspace.faults.push({ fault: { kind: "reset" }, times: 2 });
      const report = await env.runOnce();
      // A reset after the body was read may have been stored: at-least-once, at most those batches repeat.
      await assertComplete(env, report, 2 * 25);
      assert.equal(env.workspace.faults.pending(), 0, "every injected fault was hit");
      assert.ok(env.sinkClock.waits.includes(41_000), `Retry-After honoured (${env.sinkClock.waits.join(",")})`);
      assert.ok(/429|503|retry/i.test(env.problems()), "the retries are logged as warnings");
    });
  });

  it("splits a batch the endpoint answers 413 and delivers every row", async () => {
    await withFaultEnvironment({}, async (env) => {
      env.workspace.faults.push({ fault: { kind: "status", status: 413 }, times: 2 });
      const report = await env.runOnce();
      await assertComplete(env, report);
      assert.ok(env.workspace.requests.some((r) => r.status === 413));
      assert.ok(/413/.test(env.logs.lines.join("\n")), "the split is logged");
      assert.equal(report.results[0]!.deadLettered, 0);
    });
  });

  it("backs off while a fresh role assignment propagates (403 for 5 minutes) and then resumes", async () => {
    await withFaultEnvironment({}, async (env) => {
      // 403 until 5 minutes of (fake) sink time have passed since the first upload.
      let firstAt: number | undefined;
      let forbidden = 0;
      env.workspace.faults.setHook((ctx) => {
        if (!ctx.stream.includes("ExchangeAudit")) return undefined;
        firstAt ??= env.sinkClock.now();
        if (env.sinkClock.now() - firstAt < 5 * 60_000) {
          forbidden++;
          return { kind: "status", status: 403 };
        }
        return undefined;
      });
      const report = await env.runOnce();
      await assertComplete(env, report);
      assert.ok(forbidden >= 3, `several 403s were answered (${forbidden})`);
      assert.ok(env.sinkClock.waited() >= 5 * 60_000, "the sink waited out the propagation");
      assert.ok(
        env.sinkClock.waits.every((w) => w <= 5 * 60_000 + 1_000),
        "no single wait longer than the 5-minute cap",
      );
      assert.match(env.problems(), /403|Monitoring Metrics Publisher|propagat/i, "the wait is explained in the log");
    });
  });

  it("fails fast with a clear message when the DCR does not exist (404) and does not advance the cursor", async () => {
    await withFaultEnvironment({ wrongDcr: true }, async (env) => {
      const started = Date.now();
      const report = await env.runOnce();
      assert.equal(report.ok, false);
      assert.ok(Date.now() - started < 10_000, "failed fast");
      assert.ok(env.sinkClock.waited() < 60_000, `no long retrying (${env.sinkClock.waited()} ms)`);
      const problems = report.results[0]!.problems.join(" ");
      assert.match(problems, /404|not found|DCR|dcr-00000000000000000000000000000bad/i, problems);
      assert.equal((await env.delivered()).length, 0);
      const stored = await new FileCheckpointStore(join(env.config.state.dir, "checkpoints")).load(KEY(env));
      assert.ok(!stored || Object.keys(stored.cursor.inBlob).length === 0, "no blob progress committed");
      assert.ok(!stored || stored.cursor.doneContentIds.length === 0, "no blob marked done");
    });
  });

  it("stops without advancing the cursor when the disk is full, and resumes without loss", async () => {
    await withFaultEnvironment({}, async (env) => {
      const real = new FileCheckpointStore(join(env.config.state.dir, "checkpoints"));
      let saves = 0;
      let lastGood: string | undefined;
      // The file store as it behaves on a full disk after a few saves: writeFileAtomic's ENOSPC error.
      const full: CheckpointStore = {
        load: (k) => real.load(k),
        async save(k, c, etag) {
          if (++saves > 4) {
            throw new StateWriteError(`cannot write checkpoint ${real.pathOf(k)}: the disk is full (ENOSPC)`, {
              code: "ENOSPC",
            });
          }
          const e = await real.save(k, c, etag);
          lastGood = readFileSync(real.pathOf(k), "utf8");
          return e;
        },
      };
      const report = await env.runOnce({ checkpoints: full });
      assert.equal(report.ok, false);
      assert.match(report.results[0]!.problems.join(" "), /disk is full|ENOSPC/);
      assert.match(env.problems(), /ENOSPC|disk is full/);
      assert.equal(readFileSync(real.pathOf(KEY(env)), "utf8"), lastGood, "the checkpoint stayed at the last save");
      const partial = (await env.delivered()).length;
      assert.ok(partial > 0 && partial < env.expected().size, "stopped mid-run");
      // Space freed: the next run resumes from the last checkpoint; the de-duplication memory drops re-reads.
      await assertComplete(env, await env.runOnce(), 25);
    });
  });

  it("stops with a clear error when the state folder cannot be written, and resumes once it can", async () => {
    await withFaultEnvironment({}, async (env) => {
      const dir = join(env.config.state.dir, "checkpoints");
      // Root ignores permission bits, so the folder is made unwritable the way root also hits: it is a file.
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(env.config.state.dir, { recursive: true });
      writeFileSync(dir, "not a folder");
      const report = await env.runOnce();
      assert.equal(report.ok, false);
      const problems = report.results[0]!.problems.join(" ");
      assert.match(problems, /checkpoint|state/i, problems);
      assert.match(problems, /ENOTDIR|EEXIST|not a directory|folder/i, problems);
      rmSync(dir, { force: true });
      await assertComplete(env, await env.runOnce(), 25);
    });
  });

  it("times out an upload slower than the request timeout and re-sends it (at-least-once)", async () => {
    await withFaultEnvironment({}, async (env) => {
      env.workspace.faults.push({ fault: { kind: "delay", ms: 1_500 }, times: 1 });
      const report = await env.runOnce();
      // The slow request is stored by the service after the client gave up: that one batch repeats.
      await new Promise((r) => setTimeout(r, 1_600));
      await assertComplete(env, report, 25);
      assert.ok(/no response within 600 ms/.test(env.problems()), "the timeout is logged as a warning");
    });
  });
});
