/** Checks of parser functions: schema, and the body's KQL with its parameters bound (as Azure-Sentinel does). */
import type { ParserFunction } from "../../kql/content/load.ts";
import { type CheckContext, checkQuery, type Doc, report } from "./context.ts";
import { parserAnalysisText } from "./kql.ts";
import { checkSchema } from "./schema.ts";

export function checkParser(ctx: CheckContext, doc: Doc<ParserFunction>): void {
  const parser = doc.data;
  for (const p of checkSchema("parser", parser)) report(ctx, doc, p.path, p.message);
  if (typeof parser.FunctionQuery !== "string" || parser.FunctionQuery === "") return;
  if (parser.FunctionAlias && parser.FunctionName && parser.FunctionAlias !== parser.FunctionName) {
    report(
      ctx,
      doc,
      ["FunctionAlias"],
      "FunctionAlias and FunctionName should be the same name (queries call the alias)",
    );
  }
  const { text, prefixLength } = parserAnalysisText(parser);
  checkQuery(ctx, doc, ["FunctionQuery"], text, {
    toOriginal: (o) => o - prefixLength,
    functionName: parser.FunctionAlias || parser.FunctionName,
    onColumns: (columns) => {
      if (columns === null) report(ctx, doc, ["FunctionQuery"], "a parser must return a table");
    },
  });
}
