/**
 * Starts Azurite (the npm package, no Docker) in memory on OS-assigned ports for one test file.
 * The entry script is spawned directly, not through npx, so killing the child stops the server.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface Azurite {
  blobEndpoint: string;
  tableEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

const ACCOUNT = "devstoreaccount1";
// Azurite's published well-known development key (not a secret).
const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export async function startAzurite(): Promise<Azurite> {
  const require = createRequire(import.meta.url);
  const entry = join(dirname(require.resolve("azurite/package.json")), "dist", "src", "azurite.js");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      entry,
      "--inMemoryPersistence",
      "--blobPort",
      "0",
      "--queuePort",
      "0",
      "--tablePort",
      "0",
      "--skipApiVersionCheck",
      "--disableTelemetry",
      "--loose",
      "--extentMemoryLimit",
      "256",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const ports: Record<string, number> = {};
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const m of output.matchAll(
        /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/g,
      )) {
        ports[m[1]!] = Number(m[2]);
      }
      if (ports.Blob && ports.Table && ports.Queue) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners("exit");
  const blobEndpoint = `http://127.0.0.1:${ports.Blob}/${ACCOUNT}`;
  const tableEndpoint = `http://127.0.0.1:${ports.Table}/${ACCOUNT}`;
  return {
    blobEndpoint,
    tableEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=${blobEndpoint};TableEndpoint=${tableEndpoint};`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
