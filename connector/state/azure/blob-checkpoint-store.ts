/**
 * Checkpoints as JSON blobs, one per (tenant, content type), written with optimistic concurrency:
 * a save carries the ETag of the version it read (`If-Match`) or `If-None-Match: *` for the first write,
 * so two instances can never both advance the same cursor (412/409 → CheckpointConflictError).
 */
import type { ContainerClient } from "@azure/storage-blob";
import {
  CheckpointConflictError,
  type CheckpointStore,
  type Cursor,
  type CursorKey,
  type StoredCursor,
} from "../types.ts";
import { isStatus, segment } from "./clients.ts";

export class BlobCheckpointStore implements CheckpointStore {
  private readonly container: ContainerClient;
  private readonly prefix: string;

  constructor(container: ContainerClient, prefix = "checkpoints") {
    this.container = container;
    this.prefix = prefix;
  }

  private blob(key: CursorKey) {
    return this.container.getBlockBlobClient(
      `${this.prefix}/${segment(key.tenantId)}/${segment(key.contentType)}.json`,
    );
  }

  async load(key: CursorKey): Promise<StoredCursor | null> {
    try {
      // One GET gives the body and the ETag of exactly that body (no race with a concurrent writer).
      const res = await this.blob(key).download();
      const body = await readAll(res.readableStreamBody);
      return { cursor: JSON.parse(body) as Cursor, etag: res.etag ?? "" };
    } catch (err) {
      if (isStatus(err, 404)) return null;
      throw err;
    }
  }

  async save(key: CursorKey, cursor: Cursor, etag?: string | null): Promise<string> {
    const body = JSON.stringify(cursor);
    try {
      const res = await this.blob(key).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: "application/json" },
        conditions: etag ? { ifMatch: etag } : { ifNoneMatch: "*" },
      });
      return res.etag ?? "";
    } catch (err) {
      if (isStatus(err, 409, 412)) {
        throw new CheckpointConflictError(
          `checkpoint ${key.tenantId}/${key.contentType} was written by another instance; this instance must stop`,
        );
      }
      throw err;
    }
  }
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
