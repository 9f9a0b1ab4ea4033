/** The analytics rules each attack story of the generated dataset must raise, by rule file (demo and import scenarios). */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export const STORY_RULES: Record<string, string[]> = {
  "session-hijack": [
    "concurrent-sessions-from-different-networks",
    "inbox-rule-forwards-outside-organization",
    "inbox-rule-hides-mail",
    "sensitive-folder-permission-granted",
    "mailbox-change-from-new-network-session",
  ],
  "delete-then-send": ["mass-delete-and-send-in-session"],
  "rogue-app-mail-access": ["mail-accessed-by-new-application"],
  "fullaccess-granted-then-removed": [
    "mailbox-fullaccess-permission-granted",
    "mailbox-permission-granted-then-removed",
  ],
  "audit-bypass": ["mailbox-audit-bypass-enabled"],
  "mailbox-export": ["mailbox-export-or-search-copy"],
  "legacy-protocol-logins": ["legacy-protocol-mailbox-access"],
};

/** Display name of an analytics rule, from its file name. */
export const ruleName = (file: string): string =>
  (parse(readFileSync(new URL(`../../analytics-rules/${file}.yaml`, import.meta.url), "utf8")) as { name: string })
    .name;
