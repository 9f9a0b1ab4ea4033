/** Shared types of the evaluator: rows, tables, scopes and the per-query context. */
import type { FunctionDef } from "../kusto.ts";
import type { Node } from "./syntax.ts";

export type Row = Record<string, unknown>;

/** A compiled scalar expression: evaluated per row (`i`/`rows` serve `prev()`/`next()`/`row_number()`). */
export type Fn = (row: Row, i: number, rows: Row[]) => unknown;

export interface Column {
  name: string;
  type: string;
}

export interface Table {
  columns: Column[];
  rows: Row[];
}

/** Rows of a named table (fixture/NDJSON shapes: ISO datetimes, dynamic as JS values), or undefined. */
export type TableProvider = (name: string) => Record<string, unknown>[] | undefined;

/** What a name in scope is bound to. */
export type Binding =
  | { kind: "scalar"; fn: Fn }
  | { kind: "table"; get: () => Table }
  | { kind: "function"; scope: Scope };

/** Lexical scope: `let` names, function parameters. */
export class Scope {
  readonly parent: Scope | undefined;
  private readonly names = new Map<string, Binding>();
  constructor(parent?: Scope) {
    this.parent = parent;
  }
  set(name: string, binding: Binding): void {
    this.names.set(name, binding);
  }
  get(name: string): Binding | undefined {
    return this.names.get(name) ?? this.parent?.get(name);
  }
}

/** Per-query state: the fixed clock, the tables, declared functions, caches. */
export interface QueryContext {
  now: Date;
  table(name: string, node: Node): Table;
  functions: readonly FunctionDef[];
  /** Evaluates a tabular expression. */
  evalTabular(node: Node, scope: Scope): Table;
  /** Evaluates a scalar expression that needs no row (let values, toscalar, parameters). */
  evalConstant(node: Node, scope: Scope): unknown;
  /** Tables produced by `materialize()` and `as`, keyed by node/name. */
  cache: Map<unknown, Table>;
}

/** Compile-time environment of a scalar expression. */
export interface Env {
  scope: Scope;
  ctx: QueryContext;
  /** Input columns of the operator (for `column_ifexists`, `*`). */
  columns: Column[];
  /** Row sources of a join condition (`$left`/`$right`). */
  joinSide?: (side: "left" | "right", name: string, node: Node) => Fn;
  /** Inside `summarize`: compiles an aggregate call to a reference to its per-group result. */
  aggregate?: (call: Node, name: string) => Fn;
}
