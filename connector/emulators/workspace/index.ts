/**
 * A local stand-in for a Log Analytics workspace behind the Logs Ingestion API (no official emulator
 * exists). It serves `POST /dataCollectionRules/{id}/streams/{stream}?api-version=2023-01-01` over HTTPS
 * (the SDK refuses bearer tokens over http), applies the service's documented checks, limits and DCR
 * transform, and appends accepted rows to `<dataDir>/workspace/<TableName>.ndjson`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import { localTls } from "../tls.ts";
import { buildDcr, type DcrConfig, type EmulatedDcr } from "./dcr.ts";
import { type Fault, FaultQueue, type FaultRule } from "./faults.ts";
import { type ErrorReply, MAX_BODY_BYTES, replies, replyForStatus } from "./responses.ts";
import { TableStore } from "./store.ts";
import { applyTransform, MAX_FIELD_BYTES } from "./transform.ts";
import { checkRow } from "./validate.ts";

export type { DcrConfig, EmulatedDcr } from "./dcr.ts";
export { newDcrImmutableId } from "./dcr.ts";
export type { Fault, FaultContext, FaultRule } from "./faults.ts";
export { FaultQueue } from "./faults.ts";

export interface WorkspaceEmulatorOptions {
  /** Root folder; tables are written to `<dataDir>/workspace/<TableName>.ndjson`. */
  dataDir: string;
  /** DCRs to serve (default: one DCR derived from `connector/schema` with a generated immutable id). */
  dcrs?: readonly DcrConfig[];
  /** Decides whether a bearer token may ingest into a DCR; `false` → 403 OperationFailed. Default: any token. */
  verifyToken?: (token: string, dcrImmutableId: string) => boolean;
  /** Clock of the emulated service (receive time, TimeGenerated window). Default: the system clock. */
  now?: () => Date;
  /** Faults queued at start. */
  faults?: readonly FaultRule[];
  /** Per-call size limit, compressed and uncompressed (default 1,048,576 like the service). */
  maxBodyBytes?: number;
  /** Field value truncation limit (default 64 KB like the service). */
  maxFieldBytes?: number;
  /** Entries kept in `requests` (oldest dropped first; default 10,000). */
  maxRequestLog?: number;
}

/** One request as the emulator saw it. */
export interface RequestLogEntry {
  index: number;
  time: string;
  method: string;
  path: string;
  dcrImmutableId?: string;
  stream?: string;
  status: number;
  errorCode?: string;
  gzip: boolean;
  /** Body bytes as received (compressed when gzip). */
  bodyBytes: number;
  /** Body bytes after gunzip. */
  uncompressedBytes?: number;
  /** Rows accepted into the table (204 only). */
  rows?: number;
  fault?: string;
}

export interface WorkspaceEmulator {
  /** `https://127.0.0.1:<port>`: pass as the sink's endpoint. */
  endpoint: string;
  /** Immutable id of the first (default) DCR. */
  dcrImmutableId: string;
  dcrs: readonly EmulatedDcr[];
  /** PEM certificate clients must trust as CA. */
  caCert: string;
  tablePath(tableName: string): string;
  /** Parses a table's NDJSON file. */
  readTable(tableName: string): Promise<Record<string, unknown>[]>;
  /** Rows accepted into a table since this emulator started. */
  rowsAccepted(tableName: string): number;
  faults: FaultQueue;
  /** The most recent requests (see `maxRequestLog`), oldest first. */
  requests: RequestLogEntry[];
  stop(): Promise<void>;
}

/** Hard cap on bodies the emulator reads at all (protects the test process from runaway clients). */
const READ_CAP_BYTES = 16 * 1_048_576;

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= READ_CAP_BYTES) chunks.push(c);
    });
    req.on("end", () => resolve(size > READ_CAP_BYTES ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendError(res: ServerResponse, reply: ErrorReply, retryAfterSeconds?: number): void {
  const body = JSON.stringify({ error: { code: reply.code, message: reply.message } });
  const headers: Record<string, string | number> = {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "x-ms-error-code": reply.code,
    ...reply.headers,
  };
  if (retryAfterSeconds !== undefined) headers["retry-after"] = String(retryAfterSeconds);
  res.writeHead(reply.status, headers);
  res.end(body);
}

function describeFault(f: Fault): string {
  return f.kind === "status" ? `status ${f.status}` : f.kind === "delay" ? `delay ${f.ms} ms` : "reset";
}

/** Starts the emulator on 127.0.0.1 with an ephemeral port. */
export async function startWorkspaceEmulator(options: WorkspaceEmulatorOptions): Promise<WorkspaceEmulator> {
  const tls = await localTls();
  const dcrs = (options.dcrs && options.dcrs.length > 0 ? options.dcrs : [{}]).map((c) => buildDcr(c));
  const byId = new Map(dcrs.map((d) => [d.immutableId, d]));
  const now = options.now ?? (() => new Date());
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const maxFieldBytes = options.maxFieldBytes ?? MAX_FIELD_BYTES;
  const store = new TableStore(options.dataDir);
  const faults = new FaultQueue();
  for (const f of options.faults ?? []) faults.push(f);
  const requests: RequestLogEntry[] = [];
  const maxRequestLog = options.maxRequestLog ?? 10_000;
  let requestCount = 0;

  function logEntry(req: IncomingMessage, url: URL): RequestLogEntry {
    const entry: RequestLogEntry = {
      index: requestCount++,
      time: now().toISOString(),
      method: req.method ?? "",
      path: url.pathname,
      status: 0,
      gzip: /gzip/i.test(String(req.headers["content-encoding"] ?? "")),
      bodyBytes: 0,
    };
    requests.push(entry);
    if (requests.length > maxRequestLog) requests.splice(0, requests.length - maxRequestLog);
    return entry;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL, entry: RequestLogEntry): Promise<void> {
    const reply = (r: ErrorReply, retryAfter?: number) => {
      entry.status = r.status;
      entry.errorCode = r.code;
      sendError(res, r, retryAfter);
    };

    const body = await readBody(req);
    if (body === undefined) {
      entry.bodyBytes = READ_CAP_BYTES;
      res.setHeader("connection", "close");
      return reply(replies.tooLarge(Number(req.headers["content-length"] ?? READ_CAP_BYTES), limit));
    }
    entry.bodyBytes = body.length;

    const route = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
    if (!route) return reply(replies.routeNotFound(url.pathname));
    if (req.method !== "POST") return reply(replies.methodNotAllowed(req.method ?? ""));
    const dcrId = decodeURIComponent(route[1]!);
    const streamName = decodeURIComponent(route[2]!);
    entry.dcrImmutableId = dcrId;
    entry.stream = streamName;

    const apiVersion = url.searchParams.get("api-version");
    if (apiVersion !== "2023-01-01") return reply(replies.invalidApiVersion(apiVersion));
    const auth = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ""));
    if (!auth) return reply(replies.unauthorized());

    const fault = faults.take({ dcrImmutableId: dcrId, stream: streamName, index: entry.index });
    if (fault) {
      entry.fault = describeFault(fault);
      if (fault.kind === "reset") {
        entry.status = -1;
        // A TLS socket cannot send a TCP RST (resetAndDestroy needs a raw TCP handle); destroying it
        // mid-request gives the client the same ECONNRESET / "socket hang up" a dropped connection does.
        req.socket.destroy();
        return;
      }
      if (fault.kind === "delay") await sleep(fault.ms);
      if (fault.kind === "status") {
        const base = replyForStatus(fault.status, dcrId, body.length, limit);
        return reply(
          { ...base, code: fault.code ?? base.code, message: fault.message ?? base.message },
          fault.retryAfterSeconds,
        );
      }
    }

    const dcr = byId.get(dcrId);
    if (!dcr) return reply(replies.dcrNotFound(dcrId));
    if (options.verifyToken && !options.verifyToken(auth[1]!, dcrId)) return reply(replies.forbidden(dcrId));
    const stream = dcr.streams.get(streamName);
    if (!stream) return reply(replies.unknownStream(dcrId, streamName));

    // "Both compressed and uncompressed data" count against the 1 MB limit (service limits page).
    if (body.length > limit) return reply(replies.tooLarge(body.length, limit));
    let raw: Buffer = body;
    if (entry.gzip) {
      try {
        raw = gunzipSync(body, { maxOutputLength: READ_CAP_BYTES });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
          return reply(replies.tooLarge(READ_CAP_BYTES, limit));
        }
        return reply(replies.invalidBody("The body is declared gzip-encoded but could not be decompressed."));
      }
    }
    entry.uncompressedBytes = raw.length;
    if (raw.length > limit) return reply(replies.tooLarge(raw.length, limit));

    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
    } catch {
      return reply(replies.invalidBody("The request body is not valid UTF-8 JSON."));
    }
    if (!Array.isArray(parsed)) return reply(replies.invalidBody("The request body must be a JSON array of objects."));

    const receivedAt = now();
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < parsed.length; i++) {
      const checked = checkRow(parsed[i], stream.columns, i);
      if (!checked.ok) return reply(replies.schemaMismatch(checked.error));
      out.push(applyTransform(stream, checked.row, { receivedAt, maxFieldBytes }));
    }
    await store.append(stream.tableName, out);
    entry.status = 204;
    entry.rows = out.length;
    res.writeHead(204);
    res.end();
  }

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const entry = logEntry(req, url);
    handle(req, res, url, entry).catch((err: unknown) => {
      if (entry.status === 0) entry.status = 500;
      if (!res.headersSent) sendError(res, { ...replies.internal(), message: `Emulator error: ${String(err)}` });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `https://127.0.0.1:${port}`,
    dcrImmutableId: dcrs[0]!.immutableId,
    dcrs,
    caCert: tls.cert,
    tablePath: (name) => store.tablePath(name),
    readTable: async (name) => {
      await store.flush();
      return store.read(name);
    },
    rowsAccepted: (name) => store.accepted(name),
    faults,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.flush();
    },
  };
}
