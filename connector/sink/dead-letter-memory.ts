/** In-memory dead-letter store, interface-compatible with `FileDeadLetterStore` (tests, dry runs). */
import type { DeadLetter, DeadLetterStore } from "./types.ts";

export class MemoryDeadLetterStore implements DeadLetterStore {
  readonly letters: DeadLetter[] = [];
  private closed = false;

  async put(letters: readonly DeadLetter[]): Promise<void> {
    if (this.closed) throw new Error("dead-letter store is closed");
    // Deep copy: a caller mutating a row after handing it over must not change what was recorded.
    for (const l of letters) this.letters.push(structuredClone(l));
  }

  count(): number {
    return this.letters.length;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
