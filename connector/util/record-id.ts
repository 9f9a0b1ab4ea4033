/**
 * The one form of a record id: a GUID in lower case (GUIDs compare case-insensitively, and exports write them
 * upper case where the API writes them lower case); any other id as it is. Used by the normalizer for RecordId
 * and by the de-duplication stores for their keys.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function foldId(id: string): string {
  return GUID.test(id) ? id.toLowerCase() : id;
}
