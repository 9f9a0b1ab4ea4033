// The Node.js version gate of the launcher. Plain JavaScript that any Node.js since 12 can parse: it runs before
// anything that needs type stripping (Node >= 22.18) is imported, so an older `node` gets one clear line and
// exit status 2 instead of a SyntaxError or a stack trace.
//
// The minimum is read from package.json `engines.node` (one place; test/hosting/node-version.test.ts checks that
// .nvmrc, the pinned `node` dev dependency and the Dockerfile satisfy it). Inside the project `npm start`,
// `npm test`, `npm run ...` and `npx exo-audit` use the pinned Node.js from node_modules/.bin, whatever the
// system's `node` is; the message points there.
import { readFileSync } from "node:fs";

/** "1.2.3" or "v1.2.3" -> [1, 2, 3]; missing parts count as 0. */
function parts(version) {
  return String(version)
    .replace(/^v/, "")
    .split(".")
    .map((p) => Number.parseInt(p, 10) || 0)
    .concat([0, 0, 0])
    .slice(0, 3);
}

function atLeast(found, needed) {
  const a = parts(found);
  const b = parts(needed);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/** The minimum from an `engines.node` range of the form ">=X.Y.Z". */
export function minimumNodeVersion(packageJsonUrl) {
  const pkg = JSON.parse(readFileSync(packageJsonUrl, "utf8"));
  const m = /^>=\s*(\d+\.\d+\.\d+)$/.exec(String(pkg.engines?.node ?? "").trim());
  if (!m) throw new Error(`package.json engines.node must be ">=X.Y.Z" (found ${JSON.stringify(pkg.engines?.node)})`);
  return m[1];
}

/** null when `found` is new enough, else the one line to print. */
export function nodeVersionProblem(found, needed) {
  if (atLeast(found, needed)) return null;
  return (
    `exo-audit needs Node.js ${needed} or newer, but this is Node.js ${String(found).replace(/^v/, "")}. ` +
    `Run it through npm so the project's own Node.js is used: npx exo-audit <command> (after npm ci).`
  );
}
