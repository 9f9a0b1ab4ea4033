/**
 * `npm run package`: the Azure Functions deployment package `dist/functions/exo-audit-functions.zip`, ready
 * for `az functionapp deployment source config-zip` (Flex Consumption runs it as is: no remote build).
 *
 * | in the zip                       | why |
 * | -------------------------------- | --- |
 * | package.json (no devDependencies), host.json | the Functions host finds the entry (`main`) and its timeout |
 * | connector/                       | the code the function entry runs (Node runs the .ts sources) |
 * | node_modules/<production closure> | the packages connector/ imports, and everything they need, from package-lock.json |
 * | not: bin/, scripts/, test/, docs/, content, dev dependencies, packages only scripts/ use | the CLI's query and detect commands need scripts/; the container image carries the CLI |
 *
 * The closure is resolved as Node resolves it (nearest `node_modules/<name>` walking up), from the lock
 * file's entries that are not `dev`, and copied from the installed tree: no network, same bytes every time.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createZip, type ZipEntry } from "./zip.ts";

interface LockPackage {
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export const FUNCTIONS_ZIP = "dist/functions/exo-audit-functions.zip";
const CODE_DIRS = ["connector"];

/** Bare package names imported by the TypeScript/JavaScript files under `dirs` (node: builtins excluded). */
export function importedPackages(root: string, dirs: readonly string[] = CODE_DIRS): Set<string> {
  const names = new Set<string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (/\.(ts|js|mjs|cjs)$/.test(entry.name)) {
        const text = readFileSync(path, "utf8");
        for (const m of text.matchAll(/(?:from\s+|import\(\s*)["']([^"'./][^"']*)["']/g)) {
          const spec = m[1]!;
          if (spec.startsWith("node:")) continue;
          names.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
        }
      }
    }
  };
  for (const d of dirs) visit(join(root, d));
  return names;
}

/** Lock-file paths (`node_modules/a/node_modules/b`) of `roots` and everything they depend on. */
export function productionClosure(lock: Record<string, LockPackage>, roots: Iterable<string>): string[] {
  const resolve = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      const candidate = `${base ? `${base}/` : ""}node_modules/${name}`;
      if (lock[candidate]) return candidate;
      if (!base) return undefined;
      const cut = base.lastIndexOf("/node_modules/");
      base = cut === -1 ? "" : base.slice(0, cut);
    }
  };
  const seen = new Set<string>();
  const queue: [string, string, boolean][] = [...roots].map((n) => ["", n, false]);
  while (queue.length) {
    const [from, name, optional] = queue.shift()!;
    const path = resolve(from, name);
    if (!path) {
      if (optional) continue;
      throw new Error(`package-lock.json has no ${name} (needed by ${from || "the project"})`);
    }
    if (seen.has(path)) continue;
    const pkg = lock[path]!;
    if (pkg.dev) throw new Error(`${path} is a dev dependency but ${from || "the code"} imports it`);
    seen.add(path);
    for (const d of Object.keys(pkg.dependencies ?? {})) queue.push([path, d, false]);
    for (const d of Object.keys(pkg.optionalDependencies ?? {})) queue.push([path, d, true]);
    for (const d of Object.keys(pkg.peerDependencies ?? {})) queue.push([path, d, true]);
  }
  return [...seen].sort();
}

function filesUnder(root: string, rel: string, out: ZipEntry[], skip: (rel: string) => boolean): void {
  const abs = join(root, rel);
  for (const entry of readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const r = `${rel}/${entry.name}`;
    if (skip(r)) continue;
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(join(root, r)).isDirectory());
    if (isDir) filesUnder(root, r, out, skip);
    else out.push({ name: r, data: readFileSync(join(root, r)) });
  }
}

export interface FunctionsPackage {
  zip: Buffer;
  files: number;
  packages: string[];
}

/** Builds the Functions zip from the project at `root` (its installed node_modules supplies the packages). */
export function functionsPackage(root: string, level = 6): FunctionsPackage {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, unknown>;
  const lock = (
    JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
      packages: Record<string, LockPackage>;
    }
  ).packages;
  const declared = Object.keys((pkg.dependencies as Record<string, string>) ?? {});
  const imported = [...importedPackages(root)].filter((n) => declared.includes(n));
  const packages = productionClosure(lock, imported);
  const { devDependencies: _dev, scripts: _scripts, allowScripts: _allow, ...shipped } = pkg;
  const entries: ZipEntry[] = [
    { name: "package.json", data: Buffer.from(`${JSON.stringify(shipped, null, 2)}\n`) },
    { name: "host.json", data: readFileSync(join(root, "host.json")) },
  ];
  const nested = (rel: string) => /\/node_modules$/.test(rel) || /\/(\.cache|\.bin)$/.test(rel);
  for (const dir of CODE_DIRS) filesUnder(root, dir, entries, () => false);
  for (const p of packages) filesUnder(root, p, entries, nested);
  return { zip: createZip(entries, level), files: entries.length, packages };
}
