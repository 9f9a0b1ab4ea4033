import { readFileSync } from "node:fs";

/** The connector version, from package.json (reported in health rows and `--version`). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
