/** Response writing of the O365 emulator, including the body-level faults (reset, truncation). */
import type { ServerResponse } from "node:http";

export interface BodyFaults {
  reset?: boolean;
  truncate?: boolean;
}

/**
 * Writes a JSON response. `reset` announces the full length, sends half the body and destroys the socket
 * (a connection reset mid-body); `truncate` sends half the body chunked and ends cleanly (a truncated JSON
 * document that only a parser notices).
 */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
  faults: BodyFaults = {},
): boolean {
  const text = JSON.stringify(body);
  const bytes = Buffer.from(text, "utf8");
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader("content-type", "application/json; charset=utf-8");
  if (faults.reset) {
    res.setHeader("content-length", String(bytes.length));
    res.writeHead(status);
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => {
      // Give the first half time to leave before the reset, so the client really is mid-body.
      setTimeout(() => res.socket?.destroy(), 5);
    });
    return false;
  }
  if (faults.truncate) {
    res.writeHead(status);
    res.end(bytes.subarray(0, Math.floor(bytes.length / 2)));
    return false;
  }
  res.setHeader("content-length", String(bytes.length));
  res.writeHead(status);
  res.end(bytes);
  return true;
}

/** The API's error body shape: `{"error":{"code":"AF20022","message":"..."}}`. */
export function apiError(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
