/**
 * Normalizer throughput: normalizeRecord + JSON.stringify of the row, from JSON text lines, against the floor
 * of JSON.parse + JSON.stringify of the same lines (what any collector must at least do). Goal: ratio >= 0.5.
 * Run alone: `node scripts/bench/normalize.ts [--quick]`.
 */
import { readFileSync } from "node:fs";
import { normalizeRecord } from "../../connector/normalize/index.ts";
import type { NormalizeOptions } from "../../connector/normalize/types.ts";
import type { BenchResult } from "./types.ts";
import { seededRandom } from "../../connector/util/random.ts";

const FIXTURES = new URL("../../test/fixtures/records/", import.meta.url);

/** Relative frequency of each shape, roughly as in a busy tenant (MailItemsAccessed dominates). */
const MIX: [string, number][] = [
  ["mia-bind-multi-folder", 30],
  ["mia-sync", 10],
  ["mia-throttled", 2],
  ["mailboxlogin", 12],
  ["send", 8],
  ["sendas", 2],
  ["sendonbehalf", 2],
  ["system-create-s-1-5-18", 8],
  ["harddelete-group", 5],
  ["movetodeleteditems-cross-mailbox", 5],
  ["updateinboxrules", 2],
  ["addfolderpermissions", 1],
  ["searchqueryinitiated", 2],
  ["attachmentaccess-app-only", 2],
  ["admin-new-inboxrule-port", 3],
  ["admin-set-mailbox-forwarding", 3],
  ["admin-add-mailboxpermission-v6", 2],
  ["admin-set-mailboxauditbypass", 1],
];

/** Builds `count` realistic records as JSON text lines: fixture shapes with varied ids, users, times, sizes. */
export function buildLines(count: number, seed = 7): string[] {
  const random = seededRandom(seed);
  const templates = MIX.map(([name, weight]) => ({
    record: JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as Record<string, unknown>,
    weight,
  }));
  const total = templates.reduce((n, t) => n + t.weight, 0);
  const lines: string[] = [];
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < count; i++) {
    let pick = random() * total;
    let t = templates[0];
    for (const x of templates) {
      pick -= x.weight;
      if (pick < 0) {
        t = x;
        break;
      }
    }
    const rec = structuredClone(t?.record ?? {});
    rec.Id = `${(i + 1).toString(16).padStart(8, "0")}-0000-4000-8000-${Math.floor(random() * 1e12)
      .toString(16)
      .padStart(12, "0")}`;
    const user = `user${Math.floor(random() * 5000)}@contoso.com`;
    rec.UserId = user;
    if ("MailboxOwnerUPN" in rec) rec.MailboxOwnerUPN = user;
    rec.CreationTime = new Date(start + Math.floor(random() * 86_400_000 * 30)).toISOString().slice(0, 19);
    if (rec.Operation === "MailItemsAccessed" && Array.isArray(rec.Folders)) {
      // Bind records aggregate up to dozens of messages within 2 minutes.
      const items = Math.floor(random() * 12);
      for (const f of rec.Folders as { FolderItems?: unknown[] }[]) {
        if (!f.FolderItems) continue;
        f.FolderItems = Array.from({ length: items }, (_, k) => ({
          InternetMessageId: `<${i}-${k}-${Math.floor(random() * 1e9)}@mail.contoso.com>`,
          SizeInBytes: Math.floor(random() * 200_000),
        }));
      }
    }
    lines.push(JSON.stringify(rec));
  }
  return lines;
}

/** CPU time of this process in nanoseconds (user + system): unlike wall time, not inflated by other processes. */
function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/**
 * Times both functions over the same lines in alternating chunks, so load changes on a shared machine hit
 * both sides alike; returns total CPU nanoseconds per side.
 */
function interleaved(
  lines: readonly string[],
  a: (line: string) => number,
  b: (line: string) => number,
  chunk = 2_000,
): { aNs: number; bNs: number; checksum: number } {
  let aNs = 0;
  let bNs = 0;
  let checksum = 0;
  for (let start = 0; start < lines.length; start += chunk) {
    const end = Math.min(lines.length, start + chunk);
    const t0 = cpuNs();
    for (let i = start; i < end; i++) checksum += a(lines[i] as string);
    const t1 = cpuNs();
    for (let i = start; i < end; i++) checksum += b(lines[i] as string);
    const t2 = cpuNs();
    aNs += t1 - t0;
    bNs += t2 - t1;
  }
  return { aNs, bNs, checksum };
}

export async function run(options: { quick?: boolean } = {}): Promise<BenchResult[]> {
  const count = options.quick ? 20_000 : 200_000;
  const lines = buildLines(count);
  const opts: NormalizeOptions = {
    subjects: "keep",
    keepAuditData: true,
    ingestionSource: "api",
    sourceContentId: "bench-content-id",
  };
  const floor = (line: string) => JSON.stringify(JSON.parse(line)).length;
  const normalize = (line: string) => {
    const r = normalizeRecord(line, opts);
    if (!r.ok) throw new Error(r.reason);
    return JSON.stringify(r.row).length;
  };
  // Warm up both paths, then three interleaved rounds; the best round per side is reported.
  interleaved(lines.slice(0, 10_000), floor, normalize);
  let bestFloor = 0;
  let bestNorm = 0;
  let floorNs = 0;
  let normNs = 0;
  for (let round = 0; round < 3; round++) {
    const r = interleaved(lines, floor, normalize);
    floorNs += r.aNs;
    normNs += r.bNs;
    bestFloor = Math.max(bestFloor, lines.length / (r.aNs / 1e9));
    bestNorm = Math.max(bestNorm, lines.length / (r.bNs / 1e9));
  }
  const bytes = lines.reduce((n, l) => n + l.length, 0);
  return [
    {
      name: "normalize rows/s (normalizeRecord + JSON.stringify, from JSON text)",
      unit: "rows/s",
      value: Math.round(bestNorm),
      baseline: { name: "JSON.parse + JSON.stringify of the same lines", value: Math.round(bestFloor) },
      // Ratio of total times over all rounds: both sides saw the same machine load.
      ratio: floorNs / normNs,
      notes: `${count} records, mean ${Math.round(bytes / count)} chars, 3 interleaved rounds, CPU time; goal ratio >= 0.5`,
    },
  ];
}

if (import.meta.main) {
  const quick = process.argv.includes("--quick");
  for (const r of await run({ quick })) process.stdout.write(`${JSON.stringify(r)}\n`);
}
