/**
 * A small evaluator of ARM template expressions (`[concat(variables('x'), '-dcr')]`), enough for the
 * deployment lint to compute names, locations and table properties for a set of parameter values without
 * Azure. Functions that need Azure (`reference`, `listKeys`) return `UNKNOWN`, which propagates; `if` evaluates
 * only the branch it takes, as ARM does
 * (https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-logical#if).
 */
import { createHash } from "node:crypto";

/** A value only Azure knows (a reference() or listKeys() result). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Value = unknown;

export interface Scope {
  parameters: Record<string, Value>;
  variables: Record<string, unknown>;
  resourceGroupId: string;
  subscriptionId: string;
  tenantId: string;
  location: string;
}

type Node =
  | { kind: "lit"; value: Value }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "member"; target: Node; key: Node };

/** `uniqueString`: 13 lower-case base-32 characters of a hash of the arguments, like ARM's. */
export function uniqueString(...parts: string[]): string {
  const digest = createHash("sha256").update(parts.join("-")).digest();
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let out = "";
  for (let i = 0; i < 13; i++) out += alphabet[digest[i]! % 32];
  return out;
}

function parse(text: string): Node {
  let i = 0;
  const ws = () => {
    while (text[i] === " ") i++;
  };
  const expr = (): Node => {
    ws();
    let node: Node;
    if (text[i] === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`unterminated string in ${text}`);
        if (text[i] === "'" && text[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else s += text[i++];
      }
      node = { kind: "lit", value: s };
    } else if (/[-\d]/.test(text[i] ?? "")) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i))!;
      i += m[0].length;
      node = { kind: "lit", value: Number(m[0]) };
    } else {
      const m = /^[A-Za-z_][\w]*/.exec(text.slice(i));
      if (!m) throw new Error(`unexpected '${text[i]}' at ${i} in ${text}`);
      i += m[0].length;
      ws();
      if (text[i] !== "(") throw new Error(`expected ( after ${m[0]} in ${text}`);
      i++;
      const args: Node[] = [];
      ws();
      while (text[i] !== ")") {
        args.push(expr());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== ")") throw new Error(`expected , or ) at ${i} in ${text}`);
      }
      i++;
      node = { kind: "call", name: m[0].toLowerCase(), args };
    }
    for (;;) {
      ws();
      if (text[i] === ".") {
        i++;
        const m = /^[A-Za-z_][\w]*/.exec(text.slice(i))!;
        i += m[0].length;
        node = { kind: "member", target: node, key: { kind: "lit", value: m[0] } };
      } else if (text[i] === "[") {
        i++;
        const key = expr();
        ws();
        i++; // ]
        node = { kind: "member", target: node, key };
      } else return node;
    }
  };
  const node = expr();
  ws();
  if (i !== text.length) throw new Error(`trailing text at ${i} in ${text}`);
  return node;
}

/** True for a string ARM treats as an expression (`[...]`, not `[[` escaped). */
export const isExpression = (v: unknown): v is string =>
  typeof v === "string" && v.startsWith("[") && !v.startsWith("[[") && v.endsWith("]");

/** Evaluates a template value: expressions are computed, objects and arrays recursively. */
export function evaluate(value: unknown, scope: Scope): Value {
  if (isExpression(value)) return run(parse(value.slice(1, -1)), scope);
  if (Array.isArray(value)) return value.map((v) => evaluate(v, scope));
  if (value && typeof value === "object") {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(value)) out[evaluate(k, scope) as string] = evaluate(v, scope);
    return out;
  }
  return value;
}

const str = (v: Value) => (v === UNKNOWN ? UNKNOWN : String(v));

function run(node: Node, scope: Scope): Value {
  if (node.kind === "lit") return node.value;
  if (node.kind === "member") {
    const target = run(node.target, scope);
    const key = run(node.key, scope);
    if (target === UNKNOWN || key === UNKNOWN) return UNKNOWN;
    if (target && typeof target === "object" && String(key) in target) {
      return (target as Record<string, Value>)[String(key)];
    }
    throw new Error(`property ${String(key)} does not exist`);
  }
  const lazy = (k: number) => run(node.args[k]!, scope);
  if (node.name === "if") {
    const c = lazy(0);
    return c === UNKNOWN ? UNKNOWN : c ? lazy(1) : lazy(2);
  }
  const args = node.args.map((a) => run(a, scope));
  const call = FUNCTIONS[node.name];
  if (!call) throw new Error(`function ${node.name}() is not supported by the lint's evaluator`);
  if (node.name !== "reference" && node.name !== "listkeys" && args.includes(UNKNOWN)) return UNKNOWN;
  return call(args, scope);
}

const FUNCTIONS: Record<string, (a: Value[], s: Scope) => Value> = {
  parameters: ([n], s) => {
    if (!(String(n) in s.parameters)) throw new Error(`parameter ${String(n)} is not declared`);
    return s.parameters[String(n)];
  },
  variables: ([n], s) => {
    if (!(String(n) in s.variables)) throw new Error(`variable ${String(n)} is not declared`);
    return evaluate(s.variables[String(n)], s);
  },
  reference: () => UNKNOWN,
  listkeys: () => UNKNOWN,
  equals: ([a, b]) =>
    a === b || (typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase()),
  not: ([a]) => !a,
  and: (a) => a.every(Boolean),
  or: (a) => a.some(Boolean),
  empty: ([a]) =>
    a === null || a === "" || (Array.isArray(a) ? a.length === 0 : typeof a === "object" && !Object.keys(a!).length),
  concat: (a) => (Array.isArray(a[0]) ? a.flat() : a.map((x) => String(x)).join("")),
  format: ([f, ...rest]) => String(f).replace(/\{(\d+)\}/g, (_, n) => String(rest[Number(n)])),
  tolower: ([a]) => String(a).toLowerCase(),
  toupper: ([a]) => String(a).toUpperCase(),
  take: ([a, n]) => (Array.isArray(a) ? a.slice(0, Number(n)) : String(a).slice(0, Number(n))),
  replace: ([a, b, c]) => String(a).split(String(b)).join(String(c)),
  split: ([a, b]) => String(a).split(String(b)),
  last: ([a]) => (Array.isArray(a) ? a[a.length - 1] : String(a).slice(-1)),
  length: ([a]) => (Array.isArray(a) ? a.length : typeof a === "string" ? a.length : Object.keys(a as object).length),
  json: ([a]) => JSON.parse(String(a)),
  null: () => null,
  createobject: (a) => {
    const o: Record<string, Value> = {};
    for (let i = 0; i < a.length; i += 2) o[String(a[i])] = a[i + 1];
    return o;
  },
  createarray: (a) => a,
  union: (a) => Object.assign({}, ...(a as object[])),
  uniquestring: (a) => uniqueString(...a.map((x) => String(str(x)))),
  guid: (a) => {
    const h = createHash("sha1").update(a.map(String).join("|")).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  },
  resourcegroup: (_a, s) => ({ id: s.resourceGroupId, location: s.location, name: s.resourceGroupId.split("/").pop() }),
  subscription: (_a, s) => ({ subscriptionId: s.subscriptionId, tenantId: s.tenantId }),
  environment: () => ({ suffixes: { acrLoginServer: ".azurecr.io" }, name: "AzureCloud" }),
  resourceid: ([type, ...names], s) => `${s.resourceGroupId}/providers/${String(type)}/${names.map(String).join("/")}`,
  subscriptionresourceid: ([type, ...names], s) =>
    `/subscriptions/${s.subscriptionId}/providers/${String(type)}/${names.map(String).join("/")}`,
};
