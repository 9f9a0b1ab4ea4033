/**
 * Runs the workspace emulator as its own process (benchmarks keep it off the sink's CPU; handy for
 * manual runs): `node connector/emulators/workspace/main.ts --data-dir <dir> [--dcr-id dcr-…]`.
 * Prints one JSON line `{endpoint, dcrImmutableId, caCert, dataDir}` on stdout, then serves until
 * stdin closes or SIGTERM/SIGINT.
 */
import { parseArgs } from "node:util";
import { serveUntilStopped } from "../process.ts";
import { startWorkspaceEmulator } from "./index.ts";

const { values } = parseArgs({
  options: {
    "data-dir": { type: "string" },
    "dcr-id": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help || !values["data-dir"]) {
  process.stderr.write(
    "usage: node connector/emulators/workspace/main.ts --data-dir <dir> [--dcr-id dcr-<32 hex>]\n" +
      "Serves the Logs Ingestion API on https://127.0.0.1:<port>; rows land in <dir>/workspace/<Table>.ndjson.\n",
  );
  process.exit(values.help ? 0 : 2);
}
const emu = await startWorkspaceEmulator({
  dataDir: values["data-dir"],
  ...(values["dcr-id"] ? { dcrs: [{ immutableId: values["dcr-id"] }] } : {}),
});
process.stdout.write(
  `${JSON.stringify({ endpoint: emu.endpoint, dcrImmutableId: emu.dcrImmutableId, caCert: emu.caCert, dataDir: values["data-dir"] })}\n`,
);
serveUntilStopped(emu);
