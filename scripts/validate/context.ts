/** The state shared by the per-kind checks of one validation run. */
import type { KqlJob, QueryAnalysis } from "./kql.ts";
import type { Position, SourceMap } from "./source-map.ts";
import { type FieldPath, fieldName, type Offender } from "./types.ts";

/** A parsed content file with its source map. */
export interface Doc<T> {
  /** Path relative to the validated root. */
  file: string;
  data: T;
  map: SourceMap;
}

/** A KQL analysis requested by a check, and what to do with its result. */
export interface PendingQuery {
  job: KqlJob;
  /** Set for a parser body: its result columns declare the function for the other queries. */
  functionName?: string;
  done(result: QueryAnalysis): void;
}

export interface CheckContext {
  offenders: Offender[];
  /** KQL analyses to run once all files are read (see `runKqlJobs`). */
  pending: PendingQuery[];
}

/** Records an offender at `path` of `doc` (position of the field unless `position` is given). */
export function report(
  ctx: CheckContext,
  doc: Doc<unknown>,
  path: FieldPath,
  message: string,
  position?: Position,
): void {
  const pos = position ?? doc.map.positionOf(path);
  ctx.offenders.push({ file: doc.file, field: fieldName(path), line: pos?.line, column: pos?.column, message });
}

/**
 * Queues analysis of the query at `path`: every error diagnostic is reported at its file position, then
 * `onColumns` receives the output column names (null when the query is not tabular).
 */
export function checkQuery(
  ctx: CheckContext,
  doc: Doc<unknown>,
  path: FieldPath,
  text: string,
  options: {
    /** Maps an offset in `text` back to the string value (after substitutions or prefixes). */
    toOriginal?: (offset: number) => number;
    onColumns?: (columns: Set<string> | null, types: Map<string, string>) => void;
    functionName?: string;
  } = {},
): void {
  const { toOriginal = (o: number) => o, onColumns, functionName } = options;
  ctx.pending.push({
    job: { text },
    functionName,
    done({ errors, columns }) {
      for (const e of errors) {
        const offset = toOriginal(e.start);
        report(ctx, doc, path, `KQL: ${e.message}`, doc.map.positionInString(path, Math.max(0, offset)));
      }
      onColumns?.(
        columns ? new Set(columns.map((c) => c.name)) : null,
        new Map((columns ?? []).map((c) => [c.name, c.type])),
      );
    },
  });
}
