/** Local state stores: checkpoints and record-id de-duplication memory. */
export { StateWriteError, writeFileAtomic } from "./atomic-file.ts";
export { CheckpointCorruptError, FileCheckpointStore, checkpointFileName } from "./file-checkpoint-store.ts";
export { FileDedupStore, type FileDedupStoreOptions } from "./file-dedup-store.ts";
export { MemoryCheckpointStore } from "./memory-checkpoint-store.ts";
export { MemoryDedupStore } from "./memory-dedup-store.ts";
export * from "./types.ts";
