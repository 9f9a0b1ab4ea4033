/**
 * The connector's Node.js options (connector/hosting/node-flags.ts) reach every launcher, are accepted where
 * they are passed through NODE_OPTIONS, and take effect; the CLI launcher fills the compile cache.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { NODE_OPTIONS_VALUE, NODE_RUNTIME_FLAGS } from "../../connector/hosting/node-flags.ts";
import { infraTemplate } from "../../scripts/build/infra.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Largest young-generation semi-space of a `node` started with `args` / `env` (MB). */
function youngGenerationMb(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  // V8 has no direct getter for the semi-space cap; its new space capacity after a churn loop shows it.
  const churn = spawnSync(
    process.execPath,
    [
      ...args,
      "-e",
      "const k=[];for(let i=0;i<3e6;i++){k.push({i,s:'x'+i});if(k.length>50000)k.length=0}" +
        "const n=require('v8').getHeapSpaceStatistics().find(s=>s.space_name==='new_space');" +
        "process.stdout.write(String(n.space_size/2**20))",
    ],
    { env, encoding: "utf8" },
  );
  assert.equal(churn.status, 0, churn.stderr);
  return Number(churn.stdout);
}

describe("the connector's Node.js options", () => {
  it("are on the command line of `npm start`", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts.start, `node ${NODE_OPTIONS_VALUE} bin/exo-audit.js demo`);
  });

  it("are in the function app's NODE_OPTIONS app setting", () => {
    const template = infraTemplate() as { resources: Record<string, unknown>[] };
    const sites = JSON.stringify(template).match(/"name":"NODE_OPTIONS","value":"([^"]*)"/g) ?? [];
    assert.deepEqual(sites, [`"name":"NODE_OPTIONS","value":"${NODE_OPTIONS_VALUE}"`]);
  });

  it("are accepted in NODE_OPTIONS (Node refuses most V8 options there)", () => {
    const r = spawnSync(process.execPath, ["-e", "process.exit(0)"], {
      env: { ...process.env, NODE_OPTIONS: NODE_OPTIONS_VALUE },
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
  });

  it("cap the young generation, also when given through NODE_OPTIONS", () => {
    const capped = youngGenerationMb([...NODE_RUNTIME_FLAGS]);
    const viaEnv = youngGenerationMb([], { ...process.env, NODE_OPTIONS: NODE_OPTIONS_VALUE });
    const uncapped = youngGenerationMb(["--max-semi-space-size=64"]);
    assert.ok(capped < uncapped, `capped ${capped} MB, with 64 MB semi-spaces ${uncapped} MB`);
    assert.equal(viaEnv, capped);
  });
});

describe("bin/exo-audit.js", () => {
  it("keeps compiled modules in the compile cache", () => {
    const cache = mkdtempSync(join(tmpdir(), "exo-compile-cache-"));
    try {
      const r = spawnSync(process.execPath, [join(ROOT, "bin/exo-audit.js"), "--help"], {
        env: { ...process.env, NODE_COMPILE_CACHE: cache },
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /exo-audit/);
      const files = readdirSync(cache, { recursive: true, encoding: "utf8" });
      assert.ok(files.length > 0, "the compile cache directory stayed empty");
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
