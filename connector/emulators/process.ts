/**
 * Lifetime of an emulator run as its own process (`entra-main.ts`, `workspace/main.ts`): it serves until its
 * parent closes stdin (the parent died or is done) or sends SIGTERM/SIGINT, then stops once and exits 0.
 */
export function serveUntilStopped(emulator: { stop(): Promise<void> }): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await emulator.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop);
  process.stdin.resume();
}
