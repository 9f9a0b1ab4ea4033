/**
 * Azure Storage clients for the hosted connector's state. Identity-based access (managed identity,
 * workload identity) is the production path; a connection string is accepted for Azurite and for
 * accounts that still allow shared keys.
 */
import type { TokenCredential } from "@azure/core-auth";
import { BlobServiceClient, type ContainerClient, RestError } from "@azure/storage-blob";

export interface StorageLocation {
  /** `https://<account>.blob.core.windows.net` (with a credential) ... */
  accountUrl?: string;
  credential?: TokenCredential;
  /** ... or a connection string (Azurite: `UseDevelopmentStorage=true` or an explicit one). */
  connectionString?: string;
  /** Container holding checkpoints, leases, de-duplication shards and dead letters. */
  container: string;
}

export function blobServiceClient(location: StorageLocation): BlobServiceClient {
  if (location.connectionString) return BlobServiceClient.fromConnectionString(location.connectionString);
  if (location.accountUrl && location.credential)
    return new BlobServiceClient(location.accountUrl, location.credential);
  throw new Error("storage location needs either a connection string or an account URL and a credential");
}

/** The state container, created if missing (409 from a concurrent creation is fine). */
export async function stateContainer(location: StorageLocation): Promise<ContainerClient> {
  const container = blobServiceClient(location).getContainerClient(location.container);
  try {
    await container.createIfNotExists();
  } catch (err) {
    if (!(err instanceof RestError && err.statusCode === 409)) throw err;
  }
  return container;
}

/** Blob name segment for a tenant or content type (both are GUID / dotted names; keep them readable). */
export function segment(value: string): string {
  return encodeURIComponent(value).replace(/%/g, "_");
}

export function isStatus(err: unknown, ...statuses: number[]): boolean {
  return err instanceof RestError && err.statusCode !== undefined && statuses.includes(err.statusCode);
}
