/**
 * Runs the Entra ID emulator as its own process (tests of CA handling across processes, manual runs):
 * `node connector/emulators/entra-main.ts`, with the registered clients as JSON in `EMULATOR_CLIENTS` and the
 * token signing key (hex) in `EMULATOR_SIGNING_KEY`, so the secrets never appear on a command line.
 * Prints one JSON line `{authorityHost, caCert}` on stdout, then serves until stdin closes or SIGTERM/SIGINT.
 */
import { type EntraClient, startEntraEmulator } from "./entra.ts";
import { serveUntilStopped } from "./process.ts";

const clients = JSON.parse(process.env.EMULATOR_CLIENTS ?? "[]") as EntraClient[];
const signingKey = process.env.EMULATOR_SIGNING_KEY;
const emu = await startEntraEmulator({ clients, ...(signingKey ? { signingKey } : {}) });
process.stdout.write(`${JSON.stringify({ authorityHost: emu.authorityHost, caCert: emu.caCert })}\n`);
serveUntilStopped(emu);
