/**
 * The container image definition, checked without a Docker engine (none on this machine; CI with Docker
 * builds it: docs/hosting.md): the Dockerfile's rules, and the image's file layout, reproduced from its COPY
 * lines in a temporary folder, runs the container job's command (`run --once`) end to end.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { NODE_RUNTIME_FLAGS } from "../../connector/hosting/node-flags.ts";
import { duplicates, type Fleet, startFleet } from "./support.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const dockerignore = readFileSync(join(ROOT, ".dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));

/** The final stage's instructions (after the last FROM). */
const finalStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
const execForm = (instruction: string) =>
  JSON.parse(new RegExp(`^${instruction} (\\[.*\\])$`, "m").exec(finalStage)?.[1] ?? "null") as string[] | null;
const entrypoint = execForm("ENTRYPOINT");
const cmd = execForm("CMD");

describe("container image definition", { timeout: 60_000 }, () => {
  it("builds on the pinned Node.js slim image with production dependencies only and runs as a non-root user", () => {
    const pinned = readFileSync(join(ROOT, ".nvmrc"), "utf8").trim();
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    assert.ok(froms.length >= 1 && froms.every((f) => f === `node:${pinned}-slim`), `base images: ${froms.join(", ")}`);
    assert.match(dockerfile, /^RUN npm ci --omit=dev\b/m);
    const user = /^USER (\S+)/m.exec(finalStage)?.[1];
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user}`);
    // The launcher with the connector's Node.js options (connector/hosting/node-flags.ts).
    assert.deepEqual(entrypoint, ["node", ...NODE_RUNTIME_FLAGS, "bin/exo-audit.js"]);
    assert.deepEqual(cmd, ["run", "--once"]);
  });

  it("keeps secrets, local state and the dependency folder out of the build context", () => {
    for (const p of ["node_modules", ".git", "test", "exo-audit.yaml", "*.pem", "*.key", "*.pfx", ".env"]) {
      assert.ok(dockerignore.includes(p), `.dockerignore lacks ${p}`);
    }
  });

  it("needs no dev dependency at run time (the image installs with --omit=dev)", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const missing = new Set<string>();
    for (const dir of ["connector", "kql"]) {
      for (const file of readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })) {
        if (!file.endsWith(".ts")) continue;
        const text = readFileSync(join(ROOT, dir, file), "utf8");
        for (const m of text.matchAll(/(?:^import [^;]*?from |\bimport\()"([^".][^"]*)"/gm)) {
          const spec = m[1]!;
          if (spec.startsWith("node:") || /^import type /.test(m[0])) continue;
          const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
          if (!(name in pkg.dependencies)) missing.add(`${name} (${dir}/${file})`);
        }
      }
    }
    assert.deepEqual([...missing], []);
  });

  describe("the image layout runs the container job's command", () => {
    let fleet: Fleet;
    let app: string;
    before(async () => {
      fleet = await startFleet({ tenants: 2, recordsPerTenant: 40 });
      app = mkdtempSync(join(tmpdir(), "exo-image-"));
      for (const m of finalStage.matchAll(/^COPY (?!--from)(.+)$/gm)) {
        const parts = m[1]!.trim().split(/\s+/);
        const dest = parts.pop()!;
        for (const src of parts) {
          const target = dest.endsWith("/") || parts.length > 1 ? join(app, dest, src) : join(app, dest);
          cpSync(join(ROOT, src), target, { recursive: true });
        }
      }
      // The deps stage's node_modules (production dependencies of the same lock file).
      symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"), "dir");
    });
    after(async () => {
      await fleet.stop();
      rmSync(app, { recursive: true, force: true });
    });

    it("collects every record with the image's ENTRYPOINT and CMD from the copied files only", async () => {
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [...entrypoint!.slice(1), ...cmd!], {
          cwd: app,
          env: {
            PATH: process.env.PATH,
            EXO_AUDIT_CONFIG_YAML: fleet.yaml("image"),
            EXO_AUDIT_TIME_BUDGET_SEC: "120",
            NODE_EXTRA_CA_CERTS: fleet.caFile,
          },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let err = "";
        child.stderr.on("data", (c: Buffer) => {
          err += c.toString();
        });
        child.on("exit", (c) => resolve({ code: c, stderr: err }));
      });
      assert.equal(code, 0, stderr);
      const ids = await fleet.deliveredIds();
      assert.deepEqual(new Set(ids), fleet.expectedIds());
      assert.equal(duplicates(ids), 0);
    });
  });
});
