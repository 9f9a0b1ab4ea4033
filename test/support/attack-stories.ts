/** The analytics rules each attack story of the generated dataset must raise, by rule file (demo and import scenarios). */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { STORIES } from "../../connector/dataset/attacks.ts";

export const STORY_RULES: Record<string, readonly string[]> = Object.fromEntries(STORIES.map((s) => [s.name, s.rules]));

/** Display name of an analytics rule, from its file name. */
export const ruleName = (file: string): string =>
  (parse(readFileSync(new URL(`../../analytics-rules/${file}.yaml`, import.meta.url), "utf8")) as { name: string })
    .name;
