import assert from "node:assert/strict";
import { parseImageRef } from "./image_ref.ts";

Deno.test("parseImageRef() reads registry, repository and tag or digest", () => {
  assert.deepEqual(parseImageRef("registry.example/team/app:1.2"), {
    registry: "https://registry.example",
    repository: "team/app",
    reference: "1.2",
  });
  assert.deepEqual(parseImageRef("127.0.0.1:5000/app"), {
    registry: "http://127.0.0.1:5000",
    repository: "app",
    reference: "latest",
  });
  const digest = `sha256:${"e".repeat(64)}`;
  assert.deepEqual(parseImageRef(`http://reg.lan:80/a/b-c@${digest}`), {
    registry: "http://reg.lan:80",
    repository: "a/b-c",
    reference: digest,
  });
  assert.equal(parseImageRef("https://localhost:5000/x:y").registry, "https://localhost:5000");
});

Deno.test("parseImageRef() refuses shorthand and malformed references", () => {
  for (const bad of ["debian:12", "reg/UPPER:1", "reg/app:", "reg/app@sha256:12", "ftp://r/a"]) {
    assert.throws(() => parseImageRef(bad), RangeError, bad);
  }
});
