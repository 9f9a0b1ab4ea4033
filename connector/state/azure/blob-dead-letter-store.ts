/**
 * Dead letters in Blob Storage (hosted instances): one append blob of NDJSON per UTC day,
 * `dead-letters/<yyyy-mm-dd>.ndjson`, same line format as the local FileDeadLetterStore so the same
 * replay procedure works (docs/sink.md).
 */
import type { ContainerClient } from "@azure/storage-blob";
import type { DeadLetter, DeadLetterStore } from "../../sink/types.ts";

const MAX_APPEND_BYTES = 4 * 1024 * 1024;

export class BlobDeadLetterStore implements DeadLetterStore {
  private readonly container: ContainerClient;
  private stored = 0;

  constructor(container: ContainerClient) {
    this.container = container;
  }

  async put(letters: readonly DeadLetter[]): Promise<void> {
    const byDay = new Map<string, string[]>();
    for (const letter of letters) {
      const day = letter.time.slice(0, 10);
      const lines = byDay.get(day) ?? [];
      lines.push(`${JSON.stringify(letter)}\n`);
      byDay.set(day, lines);
    }
    for (const [day, lines] of byDay) {
      const blob = this.container.getAppendBlobClient(`dead-letters/${day}.ndjson`);
      await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: "application/x-ndjson" } });
      let chunk: string[] = [];
      let size = 0;
      const flush = async () => {
        if (chunk.length === 0) return;
        const body = Buffer.from(chunk.join(""), "utf8");
        await blob.appendBlock(body, body.length);
        chunk = [];
        size = 0;
      };
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (bytes > MAX_APPEND_BYTES) throw new Error("a dead letter larger than 4 MiB cannot be stored");
        if (size + bytes > MAX_APPEND_BYTES) await flush();
        chunk.push(line);
        size += bytes;
      }
      await flush();
    }
    this.stored += letters.length;
  }

  count(): number {
    return this.stored;
  }

  async close(): Promise<void> {}
}
