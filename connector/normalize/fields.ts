/**
 * Field extraction for the Exchange record families (o365-management-api.md §7.3-7.5): where each normalized
 * column comes from in admin (RecordType 1), single-item (2), group (3) and aggregated (50) records.
 */
import { isObject, toStr } from "./coerce.ts";

type Obj = Record<string, unknown>;

/** Message ids, folder paths and item count gathered from Item, AffectedItems, Folders and Messages. */
export interface ItemsTouched {
  internetMessageIds: string[] | null;
  folderPaths: string[] | null;
  itemCount: number | null;
}

/** Ordered list without repeats; a Set is built only once the list is long (most records touch few items). */
class UniqueList {
  readonly items: string[] = [];
  private set: Set<string> | undefined;
  add(value: unknown): void {
    const s = typeof value === "string" && value.length > 0 && value.charCodeAt(0) > 32 ? value : toStr(value);
    if (s === null) return;
    if (this.set) {
      if (this.set.has(s)) return;
      this.set.add(s);
    } else {
      if (this.items.includes(s)) return;
      if (this.items.length >= 16) this.set = new Set([...this.items, s]);
    }
    this.items.push(s);
  }
}

/**
 * Collects what a record touched. MailItemsAccessed Bind lists messages in `Folders[].FolderItems[]`;
 * group records in `AffectedItems[]`; single-item records in `Item`; AttachmentAccess in
 * `Messages[].MessageItems[]` (no InternetMessageId there, only store ids: counted, not listed).
 */
export function itemsTouched(rec: Obj, item: Obj | undefined): ItemsTouched {
  const ids = new UniqueList();
  const paths = new UniqueList();
  let count = 0;
  let counted = false;

  if (item) {
    ids.add(item.InternetMessageId);
    if (isObject(item.ParentFolder)) paths.add(item.ParentFolder.Path);
  }
  if (isObject(rec.Folder)) paths.add(rec.Folder.Path);

  const affected = rec.AffectedItems;
  if (Array.isArray(affected)) {
    counted = true;
    count += affected.length;
    for (const a of affected) {
      if (!isObject(a)) continue;
      ids.add(a.InternetMessageId);
      if (isObject(a.ParentFolder)) paths.add(a.ParentFolder.Path);
    }
  }

  const folders = rec.Folders;
  if (Array.isArray(folders)) {
    for (const f of folders) {
      if (!isObject(f)) continue;
      paths.add(f.Path);
      const items = f.FolderItems;
      if (!Array.isArray(items)) continue;
      counted = true;
      count += items.length;
      for (const fi of items) if (isObject(fi)) ids.add(fi.InternetMessageId);
    }
  }

  const messages = rec.Messages;
  if (Array.isArray(messages)) {
    for (const m of messages) {
      if (!isObject(m) || !Array.isArray(m.MessageItems)) continue;
      counted = true;
      count += m.MessageItems.length;
    }
  }

  if (!counted && item) {
    counted = true;
    count = 1;
  }
  return {
    internetMessageIds: ids.items.length > 0 ? ids.items : null,
    folderPaths: paths.items.length > 0 ? paths.items : null,
    itemCount: counted ? count : null,
  };
}

const INBOX_RULE = /-InboxRule$/i;
/** `Identity` of folder cmdlets is `mailbox:\folder`; of inbox-rule cmdlets `mailbox\rule`. */
const FOLDER_IDENTITY = /^(.+?):\\/;

function str(bag: Obj | null, key: string): string | null {
  return bag ? toStr(bag[key]) : null;
}

/**
 * The mailbox a cmdlet acted on: `-Identity`, `-Mailbox` or `-ObjectId`, else the record's `ObjectId`.
 * Inbox-rule cmdlets name the rule in `-Identity` (`mailbox\rule`) and the mailbox in `-Mailbox`; without
 * either the rule lives in the caller's own mailbox. Folder cmdlets name `mailbox:\folder`.
 */
export function cmdletTarget(operation: string | null, params: Obj | null, rec: Obj): string | null {
  if (operation && INBOX_RULE.test(operation)) {
    const mailbox = str(params, "Mailbox");
    if (mailbox) return mailbox;
    const identity = str(params, "Identity");
    if (identity?.includes("\\")) return identity.slice(0, identity.lastIndexOf("\\")) || null;
    return toStr(rec.UserId) ?? mailboxOfRuleObject(toStr(rec.ObjectId));
  }
  const target = str(params, "Identity") ?? str(params, "Mailbox") ?? str(params, "ObjectId") ?? toStr(rec.ObjectId);
  if (target === null) return null;
  const folder = FOLDER_IDENTITY.exec(target);
  return folder?.[1] ?? target;
}

function mailboxOfRuleObject(objectId: string | null): string | null {
  if (objectId === null) return null;
  const i = objectId.lastIndexOf("\\");
  return i > 0 ? objectId.slice(0, i) : objectId;
}

const FOLDER_PERMISSION_OPS = new Set(["addfolderpermissions", "modifyfolderpermissions", "removefolderpermissions"]);

/**
 * Mailbox-side folder permission changes (AddFolderPermissions...) carry the grantee in
 * `Item.ParentFolder.MemberUpn/MemberRights/MemberSid`. They are exposed in `Parameters` under the names of
 * the equivalent cmdlet (`Add-MailboxFolderPermission -Identity mailbox:\folder -User -AccessRights`), so one
 * query covers both the admin and the mailbox path.
 */
export function folderPermissionParameters(
  operation: string | null,
  rec: Obj,
  parentFolder: Obj | undefined,
): Obj | null {
  if (!operation || !parentFolder || !FOLDER_PERMISSION_OPS.has(operation.toLowerCase())) return null;
  const user = toStr(parentFolder.MemberUpn);
  const rights = toStr(parentFolder.MemberRights);
  const sid = toStr(parentFolder.MemberSid);
  if (user === null && rights === null && sid === null) return null;
  const owner = toStr(rec.MailboxOwnerUPN);
  const path = toStr(parentFolder.Path);
  const bag: Obj = {};
  bag.Identity = owner && path ? `${owner}:${path}` : (owner ?? path);
  bag.User = user;
  bag.AccessRights = rights;
  bag.MemberSid = sid;
  return bag;
}

const SYSTEM_USER = /^(S-1-5-18|NT AUTHORITY\\SYSTEM\b.*)$/is;

/**
 * Microsoft system identities that detections exclude (column `IsSystemActor`). UserKey is consulted only
 * when UserId is missing: admin records run by a person can carry a service UserKey
 * (`NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)`) while UserId names the person.
 */
export function isSystemActor(userId: string | null, userKey: string | null, userType: number | null): boolean {
  if (userType === 1 || userType === 4) return true;
  const actor = userId ?? userKey;
  if (actor === null) return false;
  // Cheap first-character check: the regular expression runs only for candidates (S-1-5-18, NT AUTHORITY...).
  const c = actor.charCodeAt(0) | 0x20;
  return (c === 0x73 || c === 0x6e || c <= 0x20) && SYSTEM_USER.test(actor.trim());
}
