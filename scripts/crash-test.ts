/**
 * Crash test (`npm run test:crash`): the connector runs as a child process (`exo-audit run --once`) against
 * Entra, O365 and workspace emulators that live in this process and keep their state, and is SIGKILLed at
 * random and at targeted points (while a listing or blob request is held open, while an upload is held open by
 * the workspace, right after a checkpoint file was replaced, while a reconciliation sweep recovers late content,
 * while the sink waits to retry an upload the workspace refused with 503, and during the drain that follows a
 * SIGTERM), then restarted. At the end the workspace must hold
 * every published record (zero lost), duplicates must stay within one in-flight batch per kill, and the
 * documented KQL de-duplication (`ExchangeAuditDedup`, run by the local KQL engine) must leave none.
 *
 * `runCrashTest(options)` is also used by test/reliability/crash.test.ts at a reduced size.
 * Usage: node scripts/crash-test.ts [--kills N] [--mailboxes N] [--days N] [--seed N] [--batch-rows N] [--json]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateDataset } from "../connector/dataset/index.ts";
import { type EntraEmulator, startEntraEmulator } from "../connector/emulators/entra.ts";
import { type O365Emulator, startO365Emulator } from "../connector/emulators/o365/index.ts";
import { startWorkspaceEmulator, type WorkspaceEmulator } from "../connector/emulators/workspace/index.ts";
import { parserFunctionDefs } from "../kql/content/load.ts";
import { executeQuery } from "../kql/engine/evaluator.ts";
import { readNdjson } from "../kql/tables-from-disk.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const CLI = fileURLToPath(new URL("../connector/cli.ts", import.meta.url));
export const CRASH_TENANT = "3c9d2e4f-6a7b-4c8d-9e0f-1a2b3c4d5e6f";
const CLIENT = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";
const MIN = 60_000;

/** Where a kill was aimed. */
export type KillKind =
  | "random"
  | "listing"
  | "fetching"
  | "uploading"
  | "checkpoint"
  | "sweep"
  | "retrying"
  | "draining";
const KINDS: KillKind[] = ["random", "uploading", "checkpoint", "fetching", "listing", "sweep", "retrying", "draining"];
/** Lateness of the content a sweep kill waits for: beyond the largest overlap (23 h), so only a sweep finds it. */
const SWEEP_LATENESS_MS = 30 * 60 * MIN;

export interface CrashTestOptions {
  /** SIGKILLs that must land mid-run. Default 24. */
  kills?: number;
  mailboxes?: number;
  days?: number;
  seed?: number;
  /** collection.batchRows of the connector (the in-flight batch bound). Default 100. */
  batchRows?: number;
  /** Records per emulated content blob. Default 40. */
  recordsPerBlob?: number;
  /** Progress lines (default silent). */
  log?: (line: string) => void;
  /** Keep the work folder (default: removed unless the test failed). */
  keep?: boolean;
}

export interface KillEvent {
  kind: KillKind;
  /** Milliseconds after the child was spawned. */
  afterMs: number;
  /** Rows in the workspace when the child died. */
  rowsAtKill: number;
  /** Duplicate rows (rows − distinct RecordIds) that appeared between this kill and the end of the next run. */
  duplicatesAfter: number;
}

export interface CrashTestReport {
  records: number;
  blobs: number;
  kills: KillEvent[];
  /** Child runs that finished on their own (exit 0) before a kill landed. */
  completedRuns: number;
  /** Records added after a run completed early, so kills kept landing mid-run. */
  recordsAdded: number;
  rows: number;
  distinct: number;
  lost: number;
  duplicates: number;
  maxDuplicatesPerKill: number;
  batchRows: number;
  /** Rows returned by `ExchangeAuditDedup` (KQL engine) and how many RecordIds occur more than once there. */
  dedupRows: number;
  dedupDuplicates: number;
  healthRows: number;
  durationMs: number;
  workDir: string;
  /** The last stderr lines of the last child (diagnostics). */
  lastStderr: string;
}

interface Env {
  entra: EntraEmulator;
  o365: O365Emulator;
  workspace: WorkspaceEmulator;
  configFile: string;
  stateDir: string;
  dataDir: string;
}

async function startEnvironment(dir: string, records: unknown[], o: Required<CrashTestOptions>): Promise<Env> {
  const secret = `crash~${randomUUID()}`;
  const entra = await startEntraEmulator({ clients: [{ tenantId: CRASH_TENANT, clientId: CLIENT, secret }] });
  const o365 = await startO365Emulator({
    tenantId: CRASH_TENANT,
    records,
    entra,
    pageSize: 25,
    publisher: {
      seed: o.seed,
      recordsPerBlob: o.recordsPerBlob,
      duplicateFraction: 0.03,
      lateFraction: 0.05,
      // Late blobs inside the 2 h overlap are collected by design (docs/checkpoints.md); later ones are not.
      lateDelayMs: 20 * MIN,
    },
  });
  const dataDir = join(dir, "data");
  const workspace = await startWorkspaceEmulator({
    dataDir,
    verifyToken: (token) => entra.verify(token, "https://monitor.azure.com"),
  });
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, [...new Set([entra.caCert, o365.caCert, workspace.caCert])].join("\n"));
  const stateDir = join(dir, "state");
  mkdirSync(join(stateDir, "checkpoints"), { recursive: true });
  const config = {
    instance: "crash-test",
    logLevel: "info",
    allowCustomHosts: true,
    tenants: [
      {
        tenantId: CRASH_TENANT,
        auth: { clientId: CLIENT, clientSecret: secret },
        apiRoot: o365.apiRoot,
        authorityHost: entra.authorityHost,
        caFile,
      },
    ],
    ingestion: { endpoint: workspace.endpoint, dcrImmutableId: workspace.dcrImmutableId, caFile },
    state: { dir: stateDir },
    collection: {
      initialLookbackHours: Math.min(168, o.days * 24 + 4),
      batchRows: o.batchRows,
      concurrency: 3,
      requestsPerMinute: 60_000,
      // A 7-day sweep every 5 minutes of emulator time, so sweeps happen within the test's runs.
      sweeps: [{ everyMinutes: 5, horizonHours: 168 }],
    },
  };
  const configFile = join(dir, "exo-audit.yaml");
  writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  return { entra, o365, workspace, configFile, stateDir, dataDir };
}

function auditRows(env: Env): Record<string, unknown>[] {
  return readNdjson(env.workspace.tablePath("ExchangeAudit_CL"));
}

function duplicateCount(rows: Record<string, unknown>[]): { rows: number; distinct: number; duplicates: number } {
  const ids = new Set(rows.map((r) => String(r.RecordId)));
  return { rows: rows.length, distinct: ids.size, duplicates: rows.length - ids.size };
}

interface Child {
  proc: ChildProcess;
  spawnedAt: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: string[];
}

function spawnConnector(env: Env): Child {
  const proc = spawn(process.execPath, [CLI, "run", "--once", "--config", env.configFile], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  const stderr: string[] = [];
  const keep = (chunk: Buffer) => {
    stderr.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (stderr.length > 200) stderr.splice(0, stderr.length - 200);
  };
  proc.stderr?.on("data", keep);
  proc.stdout?.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { proc, spawnedAt: Date.now(), exited, stderr };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves when `check` is true (polled every 2 ms) or the child exits; true when the condition fired. */
async function until(child: Child, check: () => boolean, timeoutMs = 60_000): Promise<boolean> {
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!exited && Date.now() < deadline) {
    if (check()) return true;
    await sleep(2);
  }
  return false;
}

/** Arms a kill of `kind`; resolves true when the child was killed by it (false when it exited first). */
async function killAt(kind: KillKind, child: Child, env: Env, rnd: () => number): Promise<boolean> {
  const kill = () => child.proc.kill("SIGKILL");
  switch (kind) {
    case "random": {
      // A random point of the run: after 1-15 API requests plus 0-100 ms (requests span the whole run, so
      // this lands mid-run far more often than a wall-clock delay on a machine of unknown speed).
      const n0 = env.o365.requests.length;
      const k = 1 + Math.floor(rnd() * 15);
      if (!(await until(child, () => env.o365.requests.length >= n0 + k))) return false;
      const exitedFirst = await Promise.race([child.exited.then(() => true), sleep(rnd() * 100)]);
      if (exitedFirst) return false;
      kill();
      return true;
    }
    case "listing":
    case "fetching": {
      const route = kind === "listing" ? "content" : "blob";
      // Hold one of the first requests of this route open (short runs after a catch-up list only a few windows).
      const n0 = env.o365.requests.length;
      const skip = Math.floor(rnd() * 3);
      if (!(await until(child, () => env.o365.requests.length >= n0 + skip))) return false;
      env.o365.faults.push({ kind: "slow", delayMs: 1500, on: route });
      const seen = env.o365.requests.length;
      const hit = await until(child, () =>
        env.o365.requests.slice(seen).some((r) => r.route === route && r.status === 0),
      );
      env.o365.faults.clear();
      if (!hit) return false;
      await sleep(20 + rnd() * 200);
      kill();
      return true;
    }
    case "uploading": {
      // The workspace holds one audit upload open; the process dies while waiting for the acknowledgement.
      let held = false;
      const skip = Math.floor(rnd() * 2);
      let seen = 0;
      env.workspace.faults.setHook((ctx) => {
        if (held || !ctx.stream.includes("ExchangeAudit") || ctx.stream.includes("Health")) return undefined;
        if (seen++ < skip) return undefined;
        held = true;
        return { kind: "delay", ms: 800 };
      });
      const hit = await until(child, () => held);
      env.workspace.faults.setHook(undefined);
      if (!hit) return false;
      await sleep(50 + rnd() * 300);
      kill();
      return true;
    }
    case "sweep": {
      // The sweep fetches the late blobs one at a time; one fetch is held open, then the process dies.
      const swept = () =>
        child.stderr.some((l) => l.includes("reconciliation sweep listed") && !l.includes('"unseen":0'));
      if (!(await until(child, swept))) return false;
      const skip = Math.floor(rnd() * 3);
      const n0 = env.o365.requests.filter((r) => r.route === "blob").length;
      if (!(await until(child, () => env.o365.requests.filter((r) => r.route === "blob").length >= n0 + skip))) {
        return false;
      }
      env.o365.faults.push({ kind: "slow", delayMs: 1500, on: "blob" });
      const seen = env.o365.requests.length;
      const hit = await until(child, () =>
        env.o365.requests.slice(seen).some((r) => r.route === "blob" && r.status === 0),
      );
      env.o365.faults.clear();
      if (!hit) return false;
      await sleep(20 + rnd() * 200);
      kill();
      return true;
    }
    case "retrying": {
      // The workspace answers 503 to audit uploads; the process dies while the sink waits to retry one.
      let failed = 0;
      env.workspace.faults.setHook((ctx) => {
        if (!ctx.stream.includes("ExchangeAudit") || ctx.stream.includes("Health")) return undefined;
        failed++;
        return { kind: "status", status: 503 };
      });
      const hit = await until(child, () => failed >= 2);
      if (hit) await sleep(50 + rnd() * 300);
      if (hit) kill();
      env.workspace.faults.setHook(undefined);
      return hit;
    }
    case "draining": {
      // SIGTERM while an upload is held open, then SIGKILL during the drain (a supervisor's stop timeout).
      let held = false;
      env.workspace.faults.setHook((ctx) => {
        if (held || !ctx.stream.includes("ExchangeAudit") || ctx.stream.includes("Health")) return undefined;
        held = true;
        return { kind: "delay", ms: 1500 };
      });
      const hit = await until(child, () => held);
      env.workspace.faults.setHook(undefined);
      if (!hit) return false;
      await sleep(50 + rnd() * 200);
      child.proc.kill("SIGTERM");
      await sleep(100 + rnd() * 400);
      kill();
      return true;
    }
    case "checkpoint": {
      // Right after a checkpoint file was atomically replaced (rename observed), i.e. between two batches.
      const target = 1 + Math.floor(rnd() * 2);
      let renames = 0;
      const watcher = watch(join(env.stateDir, "checkpoints"), (_event, file) => {
        if (file && String(file).endsWith(".json") && ++renames === target) kill();
      });
      await Promise.race([child.exited, until(child, () => renames >= target)]);
      watcher.close();
      return renames >= target;
    }
  }
}

/** Waits until the workspace has no request held open (a held upload lands after the client died). */
async function settle(env: Env): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (!env.workspace.requests.some((r) => r.status === 0)) return;
    await sleep(10);
  }
}

/** Fresh records published now (the run completed before a kill landed): new ids, event times 70-95 min ago. */
function freshRecords(seed: number, count: number, rnd: () => number, now: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const r of generateDataset({ mailboxes: 30, days: 1, seed }).records()) {
    if (out.length >= count) break;
    const t = new Date(now - 70 * MIN - Math.floor(rnd() * 25 * MIN)).toISOString().slice(0, 19);
    out.push({ ...(r as Record<string, unknown>), Id: randomUUID(), CreationTime: t });
  }
  return out;
}

/**
 * Makes the next run sweep with work to do: 6 minutes of emulator time pass (the 5-minute sweep is due) and
 * 240 records appear in blobs published 30 h late (behind every overlap). Returns the records added.
 */
function prepareSweep(env: Env, o: Required<CrashTestOptions>, attempt: number, rnd: () => number): number {
  env.o365.advanceBy(6 * MIN);
  const late = freshRecords(o.seed * 7000 + attempt, 240, rnd, env.o365.now() - SWEEP_LATENESS_MS);
  env.o365.addRecords(late, {
    seed: 9000 + attempt,
    recordsPerBlob: o.recordsPerBlob,
    latencyMinMs: MIN,
    latencyMaxMs: 5 * MIN,
    lateFraction: 1,
    lateDelayMs: SWEEP_LATENESS_MS,
    duplicateFraction: 0,
  });
  return late.length;
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the crash test; throws only for harness failures (the caller asserts on the report). */
export async function runCrashTest(options: CrashTestOptions = {}): Promise<CrashTestReport> {
  const o: Required<CrashTestOptions> = {
    kills: options.kills ?? 24,
    mailboxes: options.mailboxes ?? 60,
    days: options.days ?? 4,
    seed: options.seed ?? 7,
    batchRows: options.batchRows ?? 100,
    recordsPerBlob: options.recordsPerBlob ?? 40,
    log: options.log ?? (() => {}),
    keep: options.keep ?? false,
  };
  const started = Date.now();
  const rnd = seeded(o.seed);
  const dir = mkdtempSync(join(tmpdir(), "exo-crash-"));
  const records = [...generateDataset({ mailboxes: o.mailboxes, days: o.days, seed: o.seed }).records()];
  if (records.length === 0) throw new Error("the generated dataset is empty");
  const env = await startEnvironment(dir, records, o);
  const kills: KillEvent[] = [];
  let completedRuns = 0;
  let recordsAdded = 0;
  let lastStderr: string[] = [];
  let lastDup = 0;
  let ok = false;
  try {
    let attempts = 0;
    while (kills.length < o.kills) {
      if (++attempts > o.kills * 4) {
        throw new Error(`only ${kills.length} of ${o.kills} kills landed mid-run in ${attempts - 1} attempts`);
      }
      const kind = KINDS[kills.length % KINDS.length]!;
      if (kind === "sweep") recordsAdded += prepareSweep(env, o, attempts, rnd);
      const child = spawnConnector(env);
      const killed = await killAt(kind, child, env, rnd);
      const exit = await child.exited;
      lastStderr = child.stderr;
      await settle(env);
      env.o365.faults.clear();
      const dup = duplicateCount(auditRows(env));
      if (killed && exit.signal === "SIGKILL") {
        // The duplicates this kill causes appear when the next run re-sends the unacknowledged batch.
        if (kills.length > 0) kills[kills.length - 1]!.duplicatesAfter += dup.duplicates - lastDup;
        kills.push({ kind, afterMs: Date.now() - child.spawnedAt, rowsAtKill: dup.rows, duplicatesAfter: 0 });
        o.log(`kill ${kills.length}/${o.kills} (${kind}) after ${kills.at(-1)!.afterMs} ms; rows ${dup.rows}`);
      } else {
        // A SIGTERM drain that finished before its SIGKILL: an interrupted run (143), retried like a missed kill.
        if (kind === "draining" && exit.code === 143) {
          if (kills.length > 0) kills[kills.length - 1]!.duplicatesAfter += dup.duplicates - lastDup;
          lastDup = dup.duplicates;
          continue;
        }
        if (exit.code !== 0) {
          throw new Error(`connector exited with ${exit.code ?? exit.signal}:\n${child.stderr.slice(-20).join("\n")}`);
        }
        if (kills.length > 0) kills[kills.length - 1]!.duplicatesAfter += dup.duplicates - lastDup;
        completedRuns++;
        // Caught up before the kill: publish more so the next kills land mid-run again.
        const fresh = freshRecords(o.seed * 1000 + attempts, 400, rnd, env.o365.now());
        env.o365.addRecords(fresh, {
          seed: attempts,
          recordsPerBlob: o.recordsPerBlob,
          latencyMinMs: MIN,
          latencyMaxMs: 5 * MIN,
          lateFraction: 0,
          duplicateFraction: 0.03,
        });
        recordsAdded += fresh.length;
        o.log(`run completed before the ${kind} kill landed; published ${fresh.length} more records`);
      }
      lastDup = dup.duplicates;
    }
    // The final run: no kill, must finish cleanly and catch up.
    const last = spawnConnector(env);
    const exit = await last.exited;
    lastStderr = last.stderr;
    if (exit.code !== 0) throw new Error(`final run exited with ${exit.code}:\n${last.stderr.slice(-20).join("\n")}`);
    await settle(env);
    const rows = auditRows(env);
    const dup = duplicateCount(rows);
    if (kills.length > 0) kills[kills.length - 1]!.duplicatesAfter += dup.duplicates - lastDup;
    const now = env.o365.now();
    const expected = new Set<string>();
    for (const b of env.o365.blobs()) {
      if (b.visibleAt > now) continue;
      for (const r of b.records) expected.add(String((r as { Id?: unknown }).Id));
    }
    const delivered = new Set(rows.map((r) => String(r.RecordId)));
    const lost = [...expected].filter((id) => !delivered.has(id)).length;
    const dedup = executeQuery(
      "ExchangeAuditDedup | summarize N = count() by RecordId | summarize Rows = sum(N), Repeated = countif(N > 1)",
      { tables: { ExchangeAudit_CL: rows }, functions: parserFunctionDefs() },
    );
    const first = dedup.rows[0] as Record<string, unknown> | undefined;
    const health = readNdjson(env.workspace.tablePath("ExchangeAuditHealth_CL"));
    const report: CrashTestReport = {
      records: expected.size,
      blobs: env.o365.blobs().length,
      kills,
      completedRuns,
      recordsAdded,
      rows: dup.rows,
      distinct: dup.distinct,
      lost,
      duplicates: dup.duplicates,
      maxDuplicatesPerKill: Math.max(0, ...kills.map((k) => k.duplicatesAfter)),
      batchRows: o.batchRows,
      dedupRows: Number(first?.Rows ?? 0),
      dedupDuplicates: Number(first?.Repeated ?? -1),
      healthRows: health.length,
      durationMs: Date.now() - started,
      workDir: dir,
      lastStderr: lastStderr.slice(-10).join("\n"),
    };
    ok = report.lost === 0 && report.dedupDuplicates === 0;
    return report;
  } finally {
    await Promise.all([env.entra.stop(), env.o365.stop(), env.workspace.stop()]);
    if (ok && !o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** One-line-per-figure summary of a report. */
export function formatCrashReport(r: CrashTestReport): string {
  const byKind = new Map<string, number>();
  for (const k of r.kills) byKind.set(k.kind, (byKind.get(k.kind) ?? 0) + 1);
  return [
    `records published      ${r.records} in ${r.blobs} blobs (+${r.recordsAdded} added after early completions)`,
    `SIGKILLs mid-run       ${r.kills.length} (${[...byKind].map(([k, n]) => `${k} ${n}`).join(", ")}); runs completed early ${r.completedRuns}`,
    `workspace rows         ${r.rows} (${r.distinct} distinct RecordIds)`,
    `lost records           ${r.lost}`,
    `duplicate rows         ${r.duplicates} total; max ${r.maxDuplicatesPerKill} after one kill (bound: batchRows ${r.batchRows})`,
    `per kill               ${r.kills.map((k) => k.duplicatesAfter).join(" ")}`,
    `after ExchangeAuditDedup ${r.dedupRows} rows, ${r.dedupDuplicates} repeated RecordIds`,
    `health rows            ${r.healthRows}`,
    `duration               ${(r.durationMs / 1000).toFixed(1)} s`,
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      kills: { type: "string" },
      mailboxes: { type: "string" },
      days: { type: "string" },
      seed: { type: "string" },
      "batch-rows": { type: "string" },
      json: { type: "boolean" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      "usage: node scripts/crash-test.ts [--kills 24] [--mailboxes 60] [--days 4] [--seed 7] [--batch-rows 100] [--json] [--keep]\n" +
        "SIGKILLs the connector (a child process) at random and targeted points against local emulators, restarts it,\n" +
        "and checks that no record is lost and duplicates stay within one in-flight batch per kill. See docs/reliability.md.\n",
    );
    process.exit(0);
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const opts: CrashTestOptions = { keep: values.keep ?? false, log: (l) => process.stderr.write(`${l}\n`) };
  if (values.kills) opts.kills = Number(values.kills);
  if (values.mailboxes) opts.mailboxes = Number(values.mailboxes);
  if (values.days) opts.days = Number(values.days);
  if (values.seed) opts.seed = Number(values.seed);
  if (values["batch-rows"]) opts.batchRows = Number(values["batch-rows"]);
  const report = await runCrashTest(opts);
  process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : formatCrashReport(report)}\n`);
  const bound = report.kills.length * report.batchRows;
  const failures = [
    report.records === 0 && "the dataset was empty",
    report.kills.length < (num(values.kills) ?? 24) && "not enough kills landed",
    report.lost > 0 && `${report.lost} records lost`,
    report.duplicates > bound && `${report.duplicates} duplicates exceed ${bound}`,
    report.maxDuplicatesPerKill > report.batchRows && "a kill caused more than one batch of duplicates",
    report.dedupDuplicates !== 0 && "duplicates remain after ExchangeAuditDedup",
    report.dedupRows !== report.distinct && "ExchangeAuditDedup row count differs from the distinct ids",
  ].filter(Boolean);
  if (failures.length > 0) {
    process.stderr.write(`CRASH TEST FAILED: ${failures.join("; ")}\nwork folder kept: ${report.workDir}\n`);
    process.exit(1);
  }
  (values.json ? process.stderr : process.stdout).write("crash test passed\n");
}
