/**
 * The investigation of one mailbox, user, session or IP over local data: which sessions touched it, what
 * each did, which messages were read, which alerts involve it. The queries are the content pack's own
 * (the `ExchangeAuditSessions` parser, the "Messages read ..." hunting query, the analytics rules), so
 * the report and Microsoft Sentinel agree.
 *
 * | scope       | sessions in scope                                             | messages read                 |
 * | ----------- | ------------------------------------------------------------- | ----------------------------- |
 * | `mailbox`   | any record with MailboxOwnerUPN or TargetMailbox = the UPN    | reads in that mailbox         |
 * | `user`      | any record with UserId = the UPN                              | reads by those sessions       |
 * | `session`   | that SessionId                                                | reads by that session         |
 * | `ip`        | any record from that ClientIP                                 | reads by those sessions       |
 *
 * A session is on a *new network* when its user has earlier sessions in the window and none used one of its
 * networks.
 * A session is *concurrent* when another session of the same user overlaps it in time and shares none
 * of its networks (IPv4 /16, IPv6 /32): the signal of a stolen token. Records without a SessionId (legacy
 * protocols, some system activity) that match the scope form one pseudo-session, "(no session)".
 */
import type { Column, Row, TableProvider } from "../../kql/engine/context.ts";
import type { FunctionDef } from "../../kql/kusto.ts";

export type Scope = { kind: "mailbox" | "user" | "session" | "ip"; value: string };

export interface Engine {
  tables: TableProvider;
  functions: readonly FunctionDef[];
  execute: (
    query: string,
    opts: { tables: TableProvider; now: Date; functions: readonly FunctionDef[] },
  ) => {
    columns: Column[];
    rows: Row[];
  };
  toJson: (v: unknown) => unknown;
  /** The "Messages read ..." hunting query's KQL. */
  messagesQuery: string;
}

export interface Session {
  sessionId: string;
  userId: string;
  firstSeen: string;
  lastSeen: string;
  clientIPs: string[];
  networks: string[];
  clients: string[];
  apps: string[];
  operations: string[];
  records: number;
  /** Other sessions of the same user active at the same time from other networks. */
  concurrentWith: { sessionId: string; clientIPs: string[] }[];
  /** None of its networks was used by an earlier session of the same user in the window. */
  newNetwork: boolean;
}

export interface Action {
  sessionId: string;
  first: string;
  last: string;
  operation: string;
  count: number;
  clientIPs: string[];
  mailboxes: string[];
  items: number;
  folders: string[];
  /** Admin cmdlets: the parameters of each call. */
  parameters: Record<string, unknown>[];
}

export interface MessageRead {
  firstRead: string;
  userId: string;
  mailbox: string;
  internetMessageId: string;
  subject: string | null;
  sender: string | null;
  folders: string[];
  accessTypes: string[];
  sessions: string[];
  clientIPs: string[];
}

export interface Investigation {
  scope: Scope;
  from: string;
  to: string;
  sessions: Session[];
  timeline: Action[];
  messages: MessageRead[];
  /** Folders downloaded whole (Sync): every item in them must be treated as read. */
  syncedFolders: { sessionId: string; mailbox: string; folder: string; first: string; records: number }[];
  emailEventsPresent: boolean;
  alerts: { rule: string; severity: string; rows: number }[];
}

const NO_SESSION = "(no session)";
const q = (s: string) => JSON.stringify(s);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String).filter(Boolean) : []);

/** The KQL predicate of a scope on ExchangeAudit_CL rows. */
export function scopeFilter(scope: Scope): string {
  switch (scope.kind) {
    case "mailbox":
      return `(MailboxOwnerUPN =~ ${q(scope.value)} or TargetMailbox =~ ${q(scope.value)})`;
    case "user":
      return `UserId =~ ${q(scope.value)}`;
    case "session":
      return `SessionId == ${q(scope.value)}`;
    case "ip":
      return `ClientIP == ${q(scope.value)}`;
  }
}

/** Replaces the value of `let NAME = ...;` in a hunting query (its documented knobs). */
function setLet(query: string, name: string, value: string): string {
  const re = new RegExp(`^(\\s*let ${name}\\s*=)[^;]*;`, "m");
  if (!re.test(query)) throw new Error(`the messages hunting query has no 'let ${name}'`);
  return query.replace(re, `$1 ${value};`);
}

interface Ctx {
  engine: Engine;
  now: Date;
  window: string;
}

function run(ctx: Ctx, query: string): Record<string, unknown>[] {
  const { rows } = ctx.engine.execute(query, {
    tables: ctx.engine.tables,
    now: ctx.now,
    functions: ctx.engine.functions,
  });
  return rows.map((r) => ctx.engine.toJson(r) as Record<string, unknown>);
}

export function investigate(engine: Engine, scope: Scope, from: Date, to: Date): Investigation {
  const window = `EventTime between (datetime(${from.toISOString()}) .. datetime(${to.toISOString()}))`;
  const ctx: Ctx = { engine, now: to, window };
  const ids = run(ctx, `ExchangeAudit_CL | where ${window} and ${scopeFilter(scope)} | distinct SessionId`).map((r) =>
    String(r.SessionId ?? ""),
  );
  const sessionIds = ids.filter(Boolean);
  const sessions = sessionList(ctx, sessionIds);
  const inScope = `(SessionId in (${[...sessionIds, "\u0000"].map(q).join(", ")}) or (isempty(SessionId) and ${scopeFilter(scope)}))`;
  return {
    scope,
    from: from.toISOString(),
    to: to.toISOString(),
    sessions,
    timeline: timeline(ctx, inScope),
    ...messages(ctx, scope, new Set(sessionIds), from, to),
    syncedFolders: run(
      ctx,
      `ExchangeAudit_CL | where ${window} and ${inScope} and Operation =~ "MailItemsAccessed" and MailAccessType =~ "Sync"
       | mv-expand Folder = FolderPaths to typeof(string)
       | summarize First = min(EventTime), Records = count() by SessionId, MailboxOwnerUPN, Folder | order by First asc`,
    ).map((r) => ({
      sessionId: String(r.SessionId || NO_SESSION),
      mailbox: String(r.MailboxOwnerUPN ?? ""),
      folder: String(r.Folder ?? ""),
      first: String(r.First),
      records: Number(r.Records),
    })),
    alerts: [],
  };
}

/** The parser's sessions of the scope, and the concurrency test over all sessions of the same users. */
function sessionList(ctx: Ctx, sessionIds: string[]): Session[] {
  if (!sessionIds.length) return [];
  const users = run(
    ctx,
    `ExchangeAudit_CL | where ${ctx.window} and SessionId in (${sessionIds.map(q).join(", ")}) | distinct UserId`,
  ).map((r) => String(r.UserId));
  const all = run(
    ctx,
    // The parser dates sessions by TimeGenerated, which is the import time for imported exports: the
    // first and last EventTime say when the session was active.
    `ExchangeAuditSessions | where UserId in~ (${users.map(q).join(", ")})
     | join kind=inner (ExchangeAudit_CL | where isnotempty(SessionId) and ${ctx.window}
         | summarize First = min(EventTime), Last = max(EventTime) by SessionId) on SessionId
     | extend FirstSeen = First, LastSeen = Last | order by FirstSeen asc`,
  );
  const inScope = new Set(sessionIds);
  return all
    .filter((r) => inScope.has(String(r.SessionId)))
    .map((r) => {
      const nets = strs(r.IPPrefixes);
      const concurrentWith = all
        .filter(
          (o) =>
            o.SessionId !== r.SessionId &&
            o.UserId === r.UserId &&
            String(o.FirstSeen) <= String(r.LastSeen) &&
            String(r.FirstSeen) <= String(o.LastSeen) &&
            strs(o.IPPrefixes).length > 0 &&
            nets.length > 0 &&
            !strs(o.IPPrefixes).some((n) => nets.includes(n)),
        )
        .map((o) => ({ sessionId: String(o.SessionId), clientIPs: strs(o.ClientIPs) }));
      return {
        sessionId: String(r.SessionId),
        userId: String(r.UserId),
        firstSeen: String(r.FirstSeen),
        lastSeen: String(r.LastSeen),
        clientIPs: strs(r.ClientIPs),
        networks: nets,
        clients: strs(r.ClientInfoStrings),
        apps: [...new Set([...strs(r.ClientAppIds), ...strs(r.AppIds)])],
        operations: strs(r.Operations),
        records: Number(r.EventCount),
        concurrentWith,
        newNetwork: newNetwork(r, all),
      };
    });
}

/** Earlier sessions of the user exist and none of them used one of this session's networks. */
function newNetwork(r: Record<string, unknown>, all: Record<string, unknown>[]): boolean {
  const nets = strs(r.IPPrefixes);
  const earlier = all.filter((o) => o.UserId === r.UserId && String(o.FirstSeen) < String(r.FirstSeen));
  return earlier.length > 0 && !earlier.some((o) => strs(o.IPPrefixes).some((n) => nets.includes(n)));
}

/** Records of the scope in time order, consecutive records of one operation in one session grouped. */
function timeline(ctx: Ctx, inScope: string): Action[] {
  const rows = run(
    ctx,
    `ExchangeAudit_CL | where ${ctx.window} and ${inScope}
     | project EventTime, SessionId, Operation, ClientIP, Mailbox = coalesce(MailboxOwnerUPN, TargetMailbox),
         ItemCount, FolderPaths, Parameters, RecordType
     | order by SessionId asc, EventTime asc`,
  );
  const out: Action[] = [];
  for (const r of rows) {
    const sessionId = String(r.SessionId || NO_SESSION);
    const prev = out.at(-1);
    const action =
      prev && prev.sessionId === sessionId && prev.operation === r.Operation
        ? prev
        : {
            sessionId,
            first: String(r.EventTime),
            last: String(r.EventTime),
            operation: String(r.Operation),
            count: 0,
            clientIPs: [],
            mailboxes: [],
            items: 0,
            folders: [],
            parameters: [],
          };
    if (action !== prev) out.push(action);
    action.count++;
    action.last = String(r.EventTime);
    action.items += Number(r.ItemCount ?? 0) || 0;
    const add = (list: string[], v: unknown) => v && !list.includes(String(v)) && list.push(String(v));
    add(action.clientIPs, r.ClientIP);
    add(action.mailboxes, r.Mailbox);
    for (const f of strs(r.FolderPaths)) add(action.folders, f);
    if (r.Parameters && typeof r.Parameters === "object")
      action.parameters.push(r.Parameters as Record<string, unknown>);
  }
  return out.sort((a, b) => a.first.localeCompare(b.first));
}

/** The hunting query with its knobs set to the scope and window; rows kept when read by a session in scope. */
function messages(
  ctx: Ctx,
  scope: Scope,
  sessionIds: Set<string>,
  from: Date,
  to: Date,
): Pick<Investigation, "messages" | "emailEventsPresent"> {
  let query = ctx.engine.messagesQuery;
  const days = Math.ceil((to.getTime() - from.getTime()) / 86_400_000) + 1;
  query = setLet(query, "lookback", `${days}d`);
  query = setLet(query, "WindowStart", `datetime(${from.toISOString()})`);
  query = setLet(query, "WindowEnd", `datetime(${to.toISOString()})`);
  query = setLet(query, "HasTarget", "true");
  // Messages are delivered before they are read: the query's 30 days of delivery before the window.
  query = setLet(query, "EmailLookback", `${days + 30}d`);
  if (scope.kind === "mailbox") query = setLet(query, "TargetMailboxUPN", q(scope.value));
  if (scope.kind === "session") query = setLet(query, "TargetSessionId", q(scope.value));
  if (scope.kind === "ip") query = setLet(query, "TargetIP", q(scope.value));
  const rows = run(ctx, query).filter(
    (r) => scope.kind === "mailbox" || strs(r.Sessions).some((s) => sessionIds.has(s)),
  );
  const emailEventsPresent = (ctx.engine.tables("EmailEvents") ?? []).length > 0;
  return {
    emailEventsPresent,
    messages: rows.map((r) => ({
      firstRead: String(r.FirstRead),
      userId: String(r.UserId ?? ""),
      mailbox: String(r.MailboxOwnerUPN ?? ""),
      internetMessageId: String(r.InternetMessageId ?? ""),
      subject: (r.Subject as string | null) || null,
      sender: (r.SenderFromAddress as string | null) || null,
      folders: [...new Set((Array.isArray(r.FolderPaths) ? r.FolderPaths : []).flatMap((f) => strs([f].flat())))],
      accessTypes: strs(r.AccessTypes),
      sessions: strs(r.Sessions),
      clientIPs: strs(r.ClientIPs),
    })),
  };
}
