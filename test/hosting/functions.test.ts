/**
 * The Azure Functions timer handler, invoked directly with a Timer and an InvocationContext as the Functions
 * host would, and the container job's command (`exo-audit run --once`) run the same code path: same config
 * loading, same Azure state (one cursor per unit, shared), same runOnce.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { InvocationContext, type Timer } from "@azure/functions";
import { collectOnTimer, parseFunctionTimeout } from "../../connector/hosting/functions/index.ts";
import { hostBudgetMs } from "../../connector/hosting/run-hosted.ts";
import { duplicates, type Fleet, startFleet } from "./support.ts";

const CLI = fileURLToPath(new URL("../../connector/cli.ts", import.meta.url));

function timer(isPastDue = false): Timer {
  const now = new Date();
  return {
    isPastDue,
    schedule: { adjustForDST: true },
    scheduleStatus: {
      last: new Date(now.getTime() - 300_000).toISOString(),
      next: new Date(now.getTime() + 300_000).toISOString(),
      lastUpdated: now.toISOString(),
    },
  };
}

function context(lines: { level: string; text: string }[]): InvocationContext {
  return new InvocationContext({
    invocationId: "3f6c9a2e-1b7d-4c8e-9f0a-5d2e7b1c4a96",
    functionName: "exoAuditCollect",
    logHandler: (level, ...args) => lines.push({ level, text: args.map(String).join(" ") }),
  });
}

function runCli(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "run", "--once"], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

describe("Azure Functions entry point", { timeout: 60_000 }, () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ tenants: 2, recordsPerTenant: 80 });
  });
  after(() => fleet.stop());

  it("collects every tenant once per timer tick and logs through the invocation context", async () => {
    const lines: { level: string; text: string }[] = [];
    const env = { EXO_AUDIT_CONFIG_YAML: fleet.yaml("func-1"), EXO_AUDIT_LOG_LEVEL: "info" };
    const result = await collectOnTimer(timer(true), context(lines), { env, timeoutMs: 10 * 60_000 });
    assert.equal(result.report.ok, true);
    assert.equal(result.report.caughtUp, true);
    assert.equal(result.budgetMs, hostBudgetMs(10 * 60_000), "the run is bounded by the function timeout");
    assert.equal(result.report.results.length, 4);
    const ids = await fleet.deliveredIds();
    assert.deepEqual(new Set(ids), fleet.expectedIds());
    assert.equal(duplicates(ids), 0);
    assert.ok(lines.some((l) => l.level === "warning" && l.text.includes("past due")));
    assert.ok(lines.some((l) => l.level === "information" && l.text.includes('"msg":"run finished"')));
    assert.ok(lines.some((l) => l.text.startsWith("exo-audit run finished")));
    const health = await fleet.workspace.readTable("ExchangeAuditHealth_CL");
    assert.equal(health.length, 4);
    assert.ok(health.every((h) => h.Instance === "func-1" && h.Status === "ok"));
  });

  it("shares its cursors with the container job's 'run --once', which then finds nothing new", async () => {
    const before = fleet.workspace.rowsAccepted("ExchangeAudit_CL");
    const { code, stderr } = await runCli({
      EXO_AUDIT_CONFIG_YAML: fleet.yaml("job-1"),
      EXO_AUDIT_TIME_BUDGET_SEC: "60",
      NODE_EXTRA_CA_CERTS: fleet.caFile,
    });
    assert.equal(code, 0, stderr);
    assert.equal(fleet.workspace.rowsAccepted("ExchangeAudit_CL"), before, "no row sent again");
    const health = await fleet.workspace.readTable("ExchangeAuditHealth_CL");
    const job = health.filter((h) => h.Instance === "job-1");
    assert.equal(job.length, 4, "the job ran every unit");
    assert.ok(job.every((h) => h.RowsOut === 0 && h.Status === "ok"));

    // New records: the next timer tick delivers exactly those.
    const added = fleet.o365[0]!.addRecords((await import("./support.ts")).records(12, 1), {
      latencyMinMs: 0,
      latencyMaxMs: 0,
      lateFraction: 0,
      recordsPerBlob: 6,
    });
    assert.ok(added > 0);
    const r = await collectOnTimer(timer(), context([]), {
      env: { EXO_AUDIT_CONFIG_YAML: fleet.yaml("func-2") },
      timeoutMs: 5 * 60_000,
    });
    assert.equal(
      r.report.results.reduce((n, x) => n + x.rowsOut, 0),
      12,
    );
    const ids = await fleet.deliveredIds();
    assert.equal(duplicates(ids), 0);
    assert.deepEqual(new Set(ids), fleet.expectedIds());
  });

  it("fails the invocation when a unit fails, naming it, after collecting the others", async () => {
    fleet.o365[1]!.faults.push({ kind: "error", status: 401, code: "AF10001", times: Infinity });
    try {
      await assert.rejects(
        collectOnTimer(timer(), context([]), {
          env: { EXO_AUDIT_CONFIG_YAML: fleet.yaml("func-3") },
          timeoutMs: 60_000,
        }),
        new RegExp(`unit\\(s\\) failed: .*${fleet.tenantIds[1]}`),
      );
    } finally {
      fleet.o365[1]!.faults.clear();
    }
  });

  it("reports a configuration problem with the setting's name", async () => {
    await assert.rejects(
      collectOnTimer(timer(), context([]), {
        env: {
          EXO_AUDIT_TENANTS: fleet.tenantIds.join(","),
          EXO_AUDIT_CLIENT_ID: "6c1f0d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f",
        },
        timeoutMs: 60_000,
      }),
      /ingestion: is required[\s\S]*EXO_AUDIT_TENANTS: lists tenants but no API certificate is configured: set EXO_AUDIT_KEY_VAULT_URL/,
    );
  });
});

describe("function timeout", () => {
  it("reads host.json durations and leaves a drain margin", () => {
    assert.equal(parseFunctionTimeout("00:10:00"), 600_000);
    assert.equal(parseFunctionTimeout("01:00:00"), 3_600_000);
    assert.equal(parseFunctionTimeout("1.00:00:00"), 86_400_000);
    assert.equal(parseFunctionTimeout("-1"), undefined);
    assert.equal(parseFunctionTimeout(undefined), 30 * 60_000);
    assert.throws(() => parseFunctionTimeout("10 minutes"), /not hh:mm:ss/);
    assert.equal(hostBudgetMs(5 * 60_000), 270_000);
    assert.equal(hostBudgetMs(30 * 60_000), 30 * 60_000 - 120_000);
  });
});
