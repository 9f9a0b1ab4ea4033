import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runImport } from "../../connector/commands/import.ts";
import { type CommandIo, runNormalize } from "../../connector/commands/normalize.ts";
import { UsageError } from "../../connector/commands/types.ts";
import { rowTypeErrors } from "../../connector/normalize/check-row.ts";

const cli = fileURLToPath(new URL("../../connector/cli.ts", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/exports/${name}`, import.meta.url));

/** Runs the CLI as a child process (slow to start: used once, for the stdin path and the CLI wiring). */
function spawnExo(args: string[], stdin: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith("EXO_AUDIT_")) delete env[k];
    const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Runs a command in this process with in-memory output streams. */
async function exo(args: string[]) {
  const [name, ...rest] = args;
  let stdout = "";
  let stderr = "";
  const io: CommandIo = {
    out(text) {
      stdout += text;
    },
    err(text) {
      stderr += text;
    },
  };
  let code: number;
  try {
    code = name === "normalize" ? await runNormalize(rest, io) : await runImport(rest, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    stderr += e.message;
    code = 2;
  }
  return { code, stdout, stderr };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "exo-cmd-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("normalize prints one typed row per record and reports rejected rows with file and row", async () => {
  const file = fixture("auditdata.jsonl");
  const { code, stdout, stderr } = await exo(["normalize", file, "--subjects", "hash"]);
  assert.equal(code, 1);
  const rows = stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(rows.length, 4);
  for (const r of rows) assert.deepEqual(rowTypeErrors(r), []);
  assert.deepEqual(
    rows.map((r) => r.SourceContentId),
    ["auditdata.jsonl:1", "auditdata.jsonl:2", "auditdata.jsonl:5", "auditdata.jsonl:6"],
  );
  const send = rows.find((r) => r.Operation === "Send");
  assert.match(send.Subject, /^[0-9a-f]{64}$/);
  assert.ok(stderr.includes(`${file}:3: line is not valid JSON`));
});

test("the CLI normalizes stdin and exits 0 when every record is usable", async () => {
  const single = await readFile(fixture("ual-single-object.json"), "utf8");
  const bad = await exo(["normalize", "--no-audit-data", fixture("ual-convertto-json.json")]);
  assert.equal(bad.code, 1, "the third element has unreadable AuditData");
  assert.equal(bad.stdout.trim().split("\n").length, 2);
  const ok = await spawnExo(["normalize", "-", "--no-audit-data"], single);
  assert.equal(ok.code, 0, ok.stderr);
  const row = JSON.parse(ok.stdout);
  assert.equal(row.AuditData, null);
  assert.equal(row.IngestionSource, "ual-json");
  assert.equal(row.SourceContentId, "stdin:1");
});

test("normalize rejects a bad --subjects value with usage exit code 2", async () => {
  const { code, stderr } = await exo(["normalize", "--subjects", "blur", fixture("auditdata.jsonl")]);
  assert.equal(code, 2);
  assert.match(stderr, /--subjects must be keep, hash or drop/);
});

test("import --data-dir delivers through the real sink to the local workspace and skips duplicates next time", async () => {
  const dataDir = join(dir, "data");
  const first = await exo([
    "import",
    "--data-dir",
    dataDir,
    fixture("classic-portal.csv"),
    fixture("ual-export-csv.csv"),
  ]);
  assert.equal(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout);
  assert.equal(report.accepted, 5);
  const table = join(dataDir, "workspace", "ExchangeAudit_CL.ndjson");
  const stored = (await readFile(table, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(stored.map((r) => r.SourceContentId).sort(), [
    "classic-portal.csv:2",
    "classic-portal.csv:3",
    "ual-export-csv.csv:3",
    "ual-export-csv.csv:4",
    "ual-export-csv.csv:5",
  ]);
  assert.ok(stored.every((r) => typeof r.TimeGenerated === "string" && r.EventTime !== null));

  const again = await exo(["import", "--data-dir", dataDir, fixture("ual-export-csv.csv")]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).duplicates, 3);
  assert.equal((await readFile(table, "utf8")).trim().split("\n").length, 5);
});

test("import exits 1 and writes dead letters when rows are unreadable", async () => {
  const dataDir = join(dir, "bad");
  const { code, stdout, stderr } = await exo(["import", "--data-dir", dataDir, fixture("purview-audit-search.csv")]);
  assert.equal(code, 1);
  assert.equal(JSON.parse(stdout).errors, 2);
  assert.match(stderr, /dead letters: /);
  const files = await readdir(join(dataDir, "dead-letters"));
  const letters = (await readFile(join(dataDir, "dead-letters", files[0] as string), "utf8")).trim().split("\n");
  assert.equal(letters.length, 2);
});

test("import refuses --data-dir together with --config", async () => {
  const { code, stderr } = await exo(["import", "--data-dir", "x", "--config", "y.yaml", fixture("auditdata.jsonl")]);
  assert.equal(code, 2);
  assert.match(stderr, /not both/);
});

test("a header-only CSV is reported as having no records, not as unreadable (issue 18, minor)", async () => {
  const { writeFile } = await import("node:fs/promises");
  const file = join(dir, "header-only.csv");
  await writeFile(file, '"CreationDate","UserIds","Operations","AuditData"\r\n');
  const { code, stderr } = await exo(["import", "--data-dir", join(dir, "empty-data"), file]);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /header-only\.csv: no records, 0 records/);
  assert.doesNotMatch(stderr, /unreadable,/);
});
