import assert from "node:assert/strict";
import { declaredLength } from "./direct.ts";

Deno.test("declaredLength() trusts Content-Length only without content coding", () => {
  assert.equal(declaredLength(new Headers({ "content-length": "2000" })), 2000);
  assert.equal(
    declaredLength(new Headers({ "content-length": "2000", "content-encoding": "identity" })),
    2000,
  );
  assert.equal(
    declaredLength(new Headers({ "content-length": "20", "content-encoding": "gzip" })),
    null,
  );
  assert.equal(declaredLength(new Headers({ "content-length": "-1" })), null);
  assert.equal(declaredLength(new Headers()), null);
});
