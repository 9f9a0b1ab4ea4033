/**
 * The solution's description, counts and release notes, generated from the content so that they never
 * drift from it (the package once said "a workbook" while it shipped four). The packaging tool appends the
 * same "**Data Connectors:** n, **Parsers:** n, ..." line to the Content Hub description.
 *
 * | Output | Where |
 * | --- | --- |
 * | `solutionDescriptionMarkdown` | Data/Solution_<Name>.json `Description`, createUiDefinition basics |
 * | `solutionDescriptionHtml` | contentPackages `descriptionHtml` |
 * | `releaseNotesMarkdown` | Solutions/<Name>/ReleaseNotes.md |
 */
import { TABLES } from "../../connector/schema/table-schema.ts";
import type { SolutionContent } from "./solution.ts";

export interface SolutionCounts {
  "Data Connectors": number;
  Parsers: number;
  Workbooks: number;
  "Analytic Rules": number;
  "Hunting Queries": number;
}

export function solutionCounts(content: SolutionContent): SolutionCounts {
  return {
    "Data Connectors": 1,
    Parsers: content.parsers.length,
    Workbooks: content.workbooks.length,
    "Analytic Rules": content.rules.length,
    "Hunting Queries": content.hunting.length,
  };
}

const TABLE_NAMES = TABLES.map((t) => t.tableName);

function lead(): string {
  return `Exchange Online mailbox and admin audit for Microsoft Sentinel. The exo-audit collector reads the Office 365 Management Activity API and sends one normalized row per audit record (session, client IP, logon type, mailbox owner, message ids, cmdlet parameters) through the Azure Monitor Logs Ingestion API into ${TABLE_NAMES.join(" and ")} (collector health).`;
}

function countsText(content: SolutionContent, bold: (s: string) => string): string {
  return Object.entries(solutionCounts(content))
    .map(([k, n]) => `${bold(`${k}:`)} ${n}`)
    .join(", ");
}

export function solutionDescriptionMarkdown(content: SolutionContent): string {
  return `${lead()}\n\n${countsText(content, (s) => `**${s}**`)}\n\n[Learn more about Microsoft Sentinel](https://aka.ms/azuresentinel) | [Learn more about Content Hub](https://aka.ms/azuresentinelsolutionsdoc)`;
}

export function solutionDescriptionHtml(content: SolutionContent): string {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return `<p>${esc(lead())}</p>\n<p>${countsText(content, (s) => `<strong>${s}</strong>`)}</p>\n<p><a href="https://aka.ms/azuresentinel">Learn more about Microsoft Sentinel</a> | <a href="https://aka.ms/azuresentinelsolutionsdoc">Learn more about Content Hub</a></p>`;
}

/** Newest `LastUpdated` among the parsers (the content's only dates), as DD-MM-YYYY. */
function contentDate(content: SolutionContent, fallback: string): string {
  const dates = content.parsers
    .map((p) => String(p.data.Function.LastUpdated))
    .filter((d) => /^\d{4}-\d\d-\d\d/.test(d));
  const newest = [...dates, fallback].sort().at(-1)!;
  const [y, m, d] = newest.slice(0, 10).split("-");
  return `${d}-${m}-${y}`;
}

export function releaseNotesMarkdown(
  content: SolutionContent,
  meta: { version: string; firstPublishDate: string },
): string {
  const c = solutionCounts(content);
  const items = Object.entries(c)
    .map(([k, n]) => `${n} ${n === 1 ? k.toLowerCase().replace(/s$/, "") : k.toLowerCase()}`)
    .join(", ");
  return [
    "| **Version** | **Date Modified (DD-MM-YYYY)** | **Change History** |",
    "|-------------|--------------------------------|--------------------|",
    `| ${meta.version} | ${contentDate(content, meta.firstPublishDate)} | Initial Solution Release: ${items} |`,
    "",
  ].join("\n");
}
