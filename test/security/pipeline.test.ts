/**
 * Security of a running pipeline (everything real: MSAL against the Entra emulator, API client, Logs Ingestion
 * sink, file state): bearer tokens only go to the configured hosts, and no secret (client secret, certificate
 * private key, issued tokens) appears in logs, a CLI child's stdout/stderr, dead letters, state files or the
 * workspace tables (audit and health).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { generate } from "selfsigned";
import { withDefaults } from "../../connector/config/load.ts";
import { validateRawConfig } from "../../connector/config/validate.ts";
import { type EntraEmulator, startEntraEmulator } from "../../connector/emulators/entra.ts";
import { type O365Emulator, startO365Emulator } from "../../connector/emulators/o365/index.ts";
import { startWorkspaceEmulator, type WorkspaceEmulator } from "../../connector/emulators/workspace/index.ts";
import { localTls } from "../../connector/emulators/tls.ts";
import { createLogger, MemoryLogSink } from "../../connector/log.ts";
import { runOnce } from "../../connector/pipeline/run.ts";
import { createRuntime } from "../../connector/pipeline/wire.ts";
import { publishFresh as publishFreshOn, recordsOver } from "../reliability/support.ts";

const CLI = fileURLToPath(new URL("../../connector/cli.ts", import.meta.url));
const TENANT = randomUUID();
const API_APP = randomUUID();
const INGEST_APP = randomUUID();
const SECRET = `sec~${randomUUID()}.Zq9`;

interface Env {
  dir: string;
  entra: EntraEmulator;
  o365: O365Emulator;
  workspace: WorkspaceEmulator;
  tokens: Set<string>;
  keyPem: string;
  configFile: string;
  raw: Record<string, unknown>;
}
let env: Env;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "exo-sec-"));
  const cert = await generate([{ name: "commonName", value: "exo-audit-security-test" }], {
    keySize: 2048,
    algorithm: "sha256",
  });
  const certFile = join(dir, "api-app.pem");
  writeFileSync(certFile, `${cert.cert}\n${cert.private}`, { mode: 0o600 });
  const entra = await startEntraEmulator({
    clients: [
      { tenantId: TENANT, clientId: API_APP, certificatePem: cert.cert },
      { tenantId: TENANT, clientId: INGEST_APP, secret: SECRET },
    ],
  });
  const tokens = new Set<string>();
  const records: unknown[] = recordsOver(120, 12);
  // Records the normalizer rejects: they must reach the dead-letter store, not a log line with a token.
  const t = new Date(Date.now() - 4 * 3_600_000).toISOString().slice(0, 19);
  records.push({ Operation: "Set-Mailbox", Workload: "Exchange", CreationTime: t, RecordType: 1 });
  const o365 = await startO365Emulator({
    tenantId: TENANT,
    records,
    entra,
    verifyToken: (t) => {
      tokens.add(t);
      return entra.verify(t, "https://manage.office.com");
    },
    pageSize: 3,
    publisher: { seed: 9, recordsPerBlob: 10, duplicateFraction: 0, lateFraction: 0 },
  });
  const workspace = await startWorkspaceEmulator({
    dataDir: dir,
    verifyToken: (t) => {
      tokens.add(t);
      return entra.verify(t, "https://monitor.azure.com");
    },
  });
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, [...new Set([entra.caCert, o365.caCert, workspace.caCert])].join("\n"));
  const raw = {
    logLevel: "debug",
    allowCustomHosts: true,
    tenants: [
      {
        tenantId: TENANT,
        auth: { clientId: API_APP, certificatePath: certFile },
        apiRoot: o365.apiRoot,
        authorityHost: entra.authorityHost,
        caFile,
      },
    ],
    ingestion: {
      endpoint: workspace.endpoint,
      dcrImmutableId: workspace.dcrImmutableId,
      caFile,
      auth: { tenantId: TENANT, clientId: INGEST_APP, clientSecret: SECRET },
    },
    state: { dir: join(dir, "state") },
    collection: { initialLookbackHours: 30, batchRows: 30, requestsPerMinute: 60_000 },
  };
  assert.deepEqual(validateRawConfig(raw), []);
  const configFile = join(dir, "exo-audit.yaml");
  writeFileSync(configFile, JSON.stringify(raw, null, 1), { mode: 0o600 });
  env = { dir, entra, o365, workspace, tokens, keyPem: cert.private, configFile, raw };
});

after(async () => {
  await Promise.all([env.entra.stop(), env.o365.stop(), env.workspace.stop()]);
  rmSync(env.dir, { recursive: true, force: true });
});

function runtimeWith(logs: MemoryLogSink) {
  const config = withDefaults(env.raw, env.dir);
  return createRuntime(config, { logger: createLogger({ sink: logs, level: "debug" }) });
}

function publishFresh(n: number, seed: number): Set<string> {
  return publishFreshOn(env.o365, n, seed);
}

/** Every file under `dir`, as text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push({ path: p, text: readFileSync(p, "latin1") });
  }
  return out;
}

describe("pipeline security", { timeout: 90_000 }, () => {
  it("keeps the client secret, the certificate private key and issued tokens out of every output", async () => {
    const logs = new MemoryLogSink();
    // Error paths too: throttling, a 5xx, an expired blob, a transient ingestion failure.
    publishFresh(40, 4);
    env.o365.faults.push(
      { kind: "throttle", status: 429, retryAfterSec: 1, on: "blob", times: 1 },
      { kind: "error", status: 500, on: "content", times: 1 },
      { kind: "error", status: 400, code: "AF20051", message: "Content has already expired.", on: "blob", times: 1 },
    );
    env.workspace.faults.push({ fault: { kind: "status", status: 503, retryAfterSeconds: 1 }, times: 1 });
    const rt = await runtimeWith(logs);
    const report = await runOnce(rt);
    await rt.close();

    // The CLI as a child process, with more records to collect and a few faults of its own.
    publishFresh(40, 5);
    env.o365.faults.push({ kind: "error", status: 503, on: "blob", times: 1 });
    const child = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, "run", "--once", "--config", env.configFile],
        { timeout: 60_000, env: { ...process.env, NODE_NO_WARNINGS: "1" } },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      );
    });

    const outputs: { where: string; text: string }[] = [
      { where: "in-process log", text: logs.lines.join("\n") },
      { where: "CLI stdout/stderr", text: child.out },
      {
        where: "run report (problems, errors)",
        text: JSON.stringify(report, (_k, v) =>
          v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v,
        ),
      },
      ...filesUnder(env.dir)
        .filter((f) => !f.path.endsWith("api-app.pem") && !f.path.endsWith("exo-audit.yaml"))
        .map((f) => ({ where: f.path.slice(env.dir.length), text: f.text })),
    ];
    // Not vacuous: there was output of every kind, and tokens were issued and used.
    assert.ok(logs.lines.length > 20 && /collection finished/.test(child.out), "logs captured");
    assert.ok(
      outputs.some((o) => o.where.includes("dead-letters")),
      "dead letters were written",
    );
    assert.ok(
      outputs.some((o) => o.where.includes("ExchangeAuditHealth_CL")),
      "health rows were written",
    );
    assert.ok(
      outputs.some((o) => o.where.includes("ExchangeAudit_CL.ndjson")),
      "audit rows were written",
    );
    assert.ok(env.tokens.size >= 2, `tokens were issued and presented (${env.tokens.size})`);

    const keyBody = env.keyPem
      .split("\n")
      .filter((l) => l && !l.startsWith("-----"))
      .join("");
    const needles: { what: string; value: string }[] = [
      { what: "client secret", value: SECRET },
      ...Array.from({ length: Math.floor(keyBody.length / 48) }, (_, i) => ({
        what: "private key",
        value: keyBody.slice(i * 48, i * 48 + 48),
      })),
      ...[...env.tokens].flatMap((t) => [
        { what: "access token", value: t },
        { what: "token signature", value: t.split(".")[2] ?? t },
      ]),
    ];
    for (const o of outputs) {
      const flat = o.text.replace(/\\n|\r?\n/g, "");
      for (const n of needles) {
        assert.ok(!flat.includes(n.value), `${n.what} found in ${o.where}`);
      }
    }
  });
  it("never sends a bearer token to a contentUri or NextPageUri on another host", async () => {
    const tls = await localTls();
    const trapped: { url: string; authorization: string | undefined }[] = [];
    const trap = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      trapped.push({ url: req.url ?? "", authorization: req.headers.authorization });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("[]");
    });
    await new Promise<void>((r) => trap.listen(0, "127.0.0.1", r));
    // Same IP, other port: another origin, and one whose TLS the emulator CA would even accept.
    const origin = `https://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    const logs = new MemoryLogSink();
    const delivered = async () =>
      new Set((await env.workspace.readTable("ExchangeAudit_CL")).map((r) => String(r.RecordId)));
    try {
      // A NextPageUri elsewhere: the listing stops with an error and the window is not advanced (nothing lost).
      const paged = publishFresh(30, 21);
      env.o365.faults.push({ kind: "foreign-next-page", origin, on: "content", times: Number.POSITIVE_INFINITY });
      let rt = await runtimeWith(logs);
      const refused = await runOnce(rt);
      await rt.close();
      env.o365.faults.clear();
      assert.equal(refused.ok, false, "the refusal fails the unit instead of being skipped");
      assert.match(refused.results[0]!.problems.join(" "), /NextPageUri|untrusted|outside/i);
      rt = await runtimeWith(logs);
      assert.equal((await runOnce(rt)).ok, true);
      await rt.close();
      const afterPaging = await delivered();
      assert.ok(
        [...paged].every((id) => afterPaging.has(id)),
        "the next run collected every record",
      );

      // A contentUri elsewhere: the blob is not fetched and not a gap either; the window fails and stays, is
      // reported as blocked after 3 refusing runs, and is collected once the API serves valid URIs (issue 18, 11).
      const content = publishFresh(30, 22);
      env.o365.faults.push({ kind: "foreign-content-uri", origin, on: "content", times: Number.POSITIVE_INFINITY });
      const refusals = [];
      for (let i = 0; i < 3; i++) {
        rt = await runtimeWith(logs);
        refusals.push(await runOnce(rt));
        await rt.close();
      }
      env.o365.faults.clear();
      for (const r of refusals) {
        assert.equal(r.ok, false, "a refused contentUri fails the unit");
        assert.deepEqual(r.results[0]!.gaps, [], "no gap is recorded");
      }
      assert.doesNotMatch(refusals[1]!.results[0]!.problems.join(" "), /blocked/);
      assert.match(
        refusals[2]!.results[0]!.problems.join(" "),
        /blocked: the API served \d+ contentUri value\(s\) outside its origin in 3 consecutive runs/,
      );
      assert.ok(
        [...content].some((id) => !afterPaging.has(id)),
        "fresh records existed",
      );
      rt = await runtimeWith(logs);
      assert.equal((await runOnce(rt)).ok, true);
      await rt.close();
      const afterContent = await delivered();
      assert.ok(
        [...content].every((id) => afterContent.has(id)),
        "every record of the refused blobs arrived once the API served valid URIs",
      );
      assert.match(logs.lines.join("\n"), /refused a URL outside the API root; the token was not sent/);

      assert.deepEqual(trapped, [], "no request, hence no token, reached the other host");
    } finally {
      env.o365.faults.clear();
      await new Promise<void>((r) => trap.close(() => r()));
    }
  });
});
