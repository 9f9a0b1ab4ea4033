/**
 * Rules of Microsoft's content CI for Azure-Sentinel contributions that our schemas do not express
 * (see the shared reference `azure-sentinel-ci.md`). Each one would fail the pull request upstream:
 *
 * | Rule | Applies to | Upstream check |
 * | --- | --- | --- |
 * | ASCII only | rule, hunting query and parser files | `.script/tests/NonAsciiValidationsTests` |
 * | no "Sentinel" without "Microsoft" before it (upstream pattern) | rule, hunting, parser and workbook file text | `.script/SolutionValidations/validMSBranding.ts` |
 * | no locale in docs links (`https://docs.microsoft.com/en-us/...`) | every content file | `.script/documentsLinkValidator.ts` |
 * | connectorId known | `requiredDataConnectors[].connectorId` | `HasValidConnectorIds` (`ValidConnectorIds.json`) |
 * | customDetails key does not end in "id" (any case) | rules | ARM-TTK `IDs-Should-Be-Derived-From-ResourceIDs` (`-Key *id -Like`) on the package |
 * | parser compiles behind the CI's let-preamble | parsers | `Validate_SolutionParsersFunctions_HaveValidKql` |
 */
import { readFileSync } from "node:fs";
import type { AnalyticsRule, HuntingQuery, ParserFunction, ParserParam } from "../../kql/content/load.ts";
import { type CheckContext, type Doc, report } from "./context.ts";
import { textPosition } from "./source-map.ts";

/** Our connector (deploy/solution.json `connectorId`). */
export const OWN_CONNECTOR_ID: string = (
  JSON.parse(readFileSync(new URL("../../deploy/solution.json", import.meta.url), "utf8")) as { connectorId: string }
).connectorId;

/**
 * Built-in connector ids of `ValidConnectorIds.json` for the tables our content joins: OfficeActivity
 * (Office365), SigninLogs/AuditLogs/AAD*SignInLogs (AzureActiveDirectory), CloudAppEvents/Email* (Microsoft
 * Defender XDR: MicrosoftThreatProtection), IdentityInfo/BehaviorAnalytics (BehaviorAnalytics), SecurityAlert.
 */
export const BUILTIN_CONNECTOR_IDS = [
  "Office365",
  "AzureActiveDirectory",
  "AzureActiveDirectoryIdentityProtection",
  "MicrosoftThreatProtection",
  "BehaviorAnalytics",
  "MicrosoftCloudAppSecurity",
] as const;

const KNOWN_CONNECTORS = new Set<string>([OWN_CONNECTOR_ID, ...BUILTIN_CONNECTOR_IDS]);

/** First non-ASCII character of `text`, with its offset. */
export function firstNonAscii(text: string): { offset: number; char: string } | undefined {
  const m = /[^\u0000-\u007f]/.exec(text);
  return m ? { offset: m.index, char: m[0] } : undefined;
}

/** Non-ASCII anywhere in the file text (the upstream test reads the raw file). */
export function checkNonAscii(ctx: CheckContext, doc: Doc<unknown>, text: string): void {
  const hit = firstNonAscii(text);
  if (!hit) return;
  const code = `U+${hit.char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  ctx.offenders.push({
    file: doc.file,
    field: "(file)",
    ...textPosition(text, hit.offset),
    message: `non-ASCII character '${hit.char}' (${code}): Azure-Sentinel's NonAscii test accepts ASCII only; in KQL write it as a \\u escape`,
  });
}

/**
 * validMSBranding's own pattern, applied upstream to the whole text of mainTemplate.json and
 * createUiDefinition.json: "Sentinel" not preceded by "Microsoft" + whitespace nor by "-" (so the
 * Azure-Sentinel repository URLs pass), case-sensitive. Everything in our content files lands there.
 */
const BRANDING = /(?<!Microsoft\s)(?<!-)\bSentinel\b/g;

/** Every branding offence in `text`, by offset. */
export function brandingOffences(text: string): number[] {
  return [...text.matchAll(BRANDING)].map((m) => m.index);
}

export function checkBranding(ctx: CheckContext, doc: Doc<unknown>, text: string): void {
  for (const offset of brandingOffences(text)) {
    ctx.offenders.push({
      file: doc.file,
      field: "(file)",
      ...textPosition(text, offset),
      message: `'Sentinel' not preceded by 'Microsoft': Azure-Sentinel's branding check (validMSBranding) fails the package it lands in`,
    });
  }
}

/** documentsLinkValidator's pattern: a locale segment right after docs.microsoft.com or azure.microsoft.com. */
const LOCALE_LINK = /(https:\/\/docs.microsoft.com|https:\/\/azure.microsoft.com)(\/[a-z]{2}-[a-z]{2})/gi;

export function localeLinkOffsets(text: string): number[] {
  return [...text.matchAll(LOCALE_LINK)].map((m) => m.index);
}

export function checkLocaleLinks(ctx: CheckContext, doc: Doc<unknown>, text: string): void {
  for (const offset of localeLinkOffsets(text)) {
    ctx.offenders.push({
      file: doc.file,
      field: "(file)",
      ...textPosition(text, offset),
      message:
        "documentation link with a locale segment (/en-us/): Azure-Sentinel's documentsLinkValidator rejects it; drop the locale",
    });
  }
}

export function checkConnectorIds(ctx: CheckContext, doc: Doc<AnalyticsRule | HuntingQuery>): void {
  const list = doc.data.requiredDataConnectors;
  if (!Array.isArray(list)) return;
  list.forEach((c, i) => {
    const id = c?.connectorId;
    if (typeof id === "string" && !KNOWN_CONNECTORS.has(id)) {
      report(
        ctx,
        doc,
        ["requiredDataConnectors", i, "connectorId"],
        `unknown connectorId '${id}' (known: ${[...KNOWN_CONNECTORS].join(", ")}); Azure-Sentinel's HasValidConnectorIds rejects it`,
      );
    }
  });
}

export function checkCustomDetailKeys(ctx: CheckContext, doc: Doc<AnalyticsRule>): void {
  const details = doc.data.customDetails;
  if (!details || typeof details !== "object") return;
  for (const key of Object.keys(details)) {
    if (/id$/i.test(key)) {
      report(
        ctx,
        doc,
        ["customDetails", key],
        `key '${key}' ends in "id" (any case): ARM-TTK IDs-Should-Be-Derived-From-ResourceIDs then wants a resourceId() expression as its value; name it without the suffix (Session, ClientApp)`,
      );
    }
  }
}

/**
 * The text Azure-Sentinel's parser test compiles: `let <Name>= <Default>;` per parameter (string
 * defaults quoted by the harness), the body, then ` | count`.
 */
export function ciParserText(parser: ParserFunction): { text: string; prefixLength: number; missing: string[] } {
  const params = (parser.FunctionParams ?? []).filter((p) => !String(p.Type).startsWith("table"));
  const missing = params.filter((p) => p.Default === undefined).map((p) => p.Name);
  // the harness wraps string defaults in quotes as they are, without escaping
  const literal = (p: ParserParam) => (p.Type === "string" ? `'${String(p.Default)}'` : String(p.Default ?? ""));
  const prefix = params.map((p) => `let ${p.Name}= ${literal(p)};`).join("\n");
  const head = prefix === "" ? "" : `${prefix}\n`;
  return { text: `${head}${parser.FunctionQuery} | count`, prefixLength: head.length, missing };
}

export function checkParserPreamble(ctx: CheckContext, doc: Doc<ParserFunction>): void {
  const parser = doc.data;
  if (typeof parser.FunctionQuery !== "string" || parser.FunctionQuery === "") return;
  const { text, prefixLength, missing } = ciParserText(parser);
  if (missing.length > 0) {
    report(
      ctx,
      doc,
      ["FunctionParams"],
      `parameter(s) ${missing.join(", ")} have no Default: Azure-Sentinel's parser test binds each parameter as 'let <Name>= <Default>;'`,
    );
    return;
  }
  ctx.pending.push({
    job: { text },
    done({ errors }) {
      const bodyEnd = prefixLength + parser.FunctionQuery.length;
      for (const e of errors) {
        // errors inside the body are the parser check's (check-parsers.ts); only the CI's additions matter here
        if (e.start >= prefixLength && e.start < bodyEnd) continue;
        const inPreamble = e.start < prefixLength;
        const preambleLine = text.slice(0, prefixLength).split("\n")[text.slice(0, e.start).split("\n").length - 1];
        const where = inPreamble ? `in the CI let-preamble '${preambleLine}'` : "where the CI appends ' | count'";
        report(ctx, doc, inPreamble ? ["FunctionParams"] : ["FunctionQuery"], `KQL ${where}: ${e.message}`);
      }
    },
  });
}
