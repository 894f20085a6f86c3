import assert from "node:assert/strict";
import { describeFetchError, hostPort } from "./fetch_error.ts";

const wrapped = (inner: string) => new TypeError("fetch failed", { cause: new Error(inner) });

Deno.test("describeFetchError() recognises refused connections and unknown names", () => {
  assert.deepEqual(
    describeFetchError(
      wrapped(
        "error sending request for url (http://127.0.0.1:9/): client error (Connect): tcp connect error: Connection refused (os error 111)",
      ),
    ),
    { reason: "connection refused", unreachable: true },
  );
  assert.deepEqual(
    describeFetchError(
      wrapped(
        "client error (Connect): dns error: failed to lookup address information: Name or service not known",
      ),
    ),
    { reason: "unknown host name", unreachable: true },
  );
  assert.deepEqual(
    describeFetchError(new TypeError("Fetch failed: Requests to port 1 are blocked")),
    {
      reason: "the runtime blocks that port",
      unreachable: true,
    },
  );
});

Deno.test("describeFetchError() treats broken connections as reachable", () => {
  assert.equal(describeFetchError(wrapped("connection reset by peer")).unreachable, false);
  const other = describeFetchError(new Error("something odd\nhappened"));
  assert.deepEqual(other, { reason: "something odd happened", unreachable: false });
});

Deno.test("hostPort() fills in the default port", () => {
  assert.equal(hostPort("http://example.com/x"), "example.com:80");
  assert.equal(hostPort("https://example.com/x"), "example.com:443");
  assert.equal(hostPort("http://127.0.0.1:8080/"), "127.0.0.1:8080");
  assert.equal(hostPort("http://[::1]:8080/"), "[::1]:8080");
});
