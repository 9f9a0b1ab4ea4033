import assert from "node:assert/strict";
import { test } from "node:test";
import { required, stripBlanks } from "../../scripts/build/json.ts";

const IDENTITY = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('identityName'))]";

test("stripBlanks removes null, [] and {} recursively, and the containers they empty", () => {
  assert.deepEqual(stripBlanks({ a: null, b: [], c: {}, d: { e: [null, {}] }, f: [1, null, { g: [] }], h: 0, i: "" }), {
    f: [1],
    h: 0,
    i: "",
  });
});

test("stripBlanks keeps the {} of every user-assigned identity, which ARM requires (MissingIdentityIds)", () => {
  const site = { identity: { type: "UserAssigned", userAssignedIdentities: { [IDENTITY]: {} } }, tags: {} };
  assert.deepEqual(stripBlanks(site), {
    identity: { type: "UserAssigned", userAssignedIdentities: { [IDENTITY]: {} } },
  });
});

test("stripBlanks keeps any value marked required, wherever it is", () => {
  const kept = required({});
  assert.deepEqual(stripBlanks({ x: { y: kept, z: {} }, list: [required([]), []] }), { x: { y: {} }, list: [[]] });
});
