/** State stores in Azure Storage for hosted (multi-instance) deployments. */
export { BlobCheckpointStore } from "./blob-checkpoint-store.ts";
export { BlobDeadLetterStore } from "./blob-dead-letter-store.ts";
export { BlobDedupStore, type BlobDedupOptions } from "./blob-dedup-store.ts";
export { BlobLeaseManager, type BlobLeaseOptions } from "./blob-lease-manager.ts";
export { blobServiceClient, type StorageLocation, stateContainer } from "./clients.ts";
