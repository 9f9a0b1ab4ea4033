/** Shared setup for sink tests: a workspace emulator and a sink using the real SDK over TLS. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TokenCredential } from "@azure/core-auth";
import {
  startWorkspaceEmulator,
  type WorkspaceEmulator,
  type WorkspaceEmulatorOptions,
} from "../../connector/emulators/workspace/index.ts";
import { createLogger, MemoryLogSink } from "../../connector/log.ts";
import {
  createLogsIngestionSink,
  type LogsIngestionSink,
  type LogsIngestionSinkOptions,
} from "../../connector/sink/index.ts";
import { MemoryDeadLetterStore } from "../../connector/sink/dead-letter-memory.ts";

/** A credential that hands out a fixed token and counts how often it was asked. */
export function staticCredential(token = "test-token"): TokenCredential & { calls: number } {
  const cred = {
    calls: 0,
    async getToken() {
      cred.calls++;
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  return cred;
}

export interface Harness {
  emu: WorkspaceEmulator;
  sink: LogsIngestionSink;
  deadLetters: MemoryDeadLetterStore;
  logs: MemoryLogSink;
  /** Every delay the sink asked to sleep, in ms (the sink's clock advances by them; real waits are short). */
  sleeps: number[];
  credential: TokenCredential & { calls: number };
  close(): Promise<void>;
}

/**
 * Starts an emulator in a temp dir and a sink pointed at it. Sleeps are recorded and shortened to
 * `realSleepMs` so tests can assert Retry-After handling without waiting for it.
 */
export async function startHarness(
  options: {
    emulator?: Omit<WorkspaceEmulatorOptions, "dataDir">;
    sink?: Partial<LogsIngestionSinkOptions>;
    realSleepMs?: number;
  } = {},
): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), "exo-sink-"));
  const emu = await startWorkspaceEmulator({ dataDir, ...options.emulator });
  const deadLetters = new MemoryDeadLetterStore();
  const logs = new MemoryLogSink();
  const sleeps: number[] = [];
  let slept = 0;
  const credential = staticCredential();
  const sink = createLogsIngestionSink({
    endpoint: emu.endpoint,
    dcrImmutableId: emu.dcrImmutableId,
    credential,
    ca: emu.caCert,
    deadLetters,
    logger: createLogger({ sink: logs, level: "debug" }),
    // Virtual time: the sink's clock advances by what it slept, so bounded-time logic is testable quickly.
    clock: () => Date.now() + slept,
    sleep: async (ms) => {
      sleeps.push(ms);
      slept += ms;
      await new Promise((r) => setTimeout(r, options.realSleepMs ?? 0));
    },
    ...options.sink,
  });
  return {
    emu,
    sink,
    deadLetters,
    logs,
    sleeps,
    credential,
    close: async () => {
      await sink.close();
      await emu.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
