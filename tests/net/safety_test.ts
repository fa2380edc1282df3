/**
 * The network-safety guard of the test helpers: a node started from the machine's own
 * namespace may send only to 127.0.0.0/8 (tests/helpers/proc.ts `assertLoopbackOnly`).
 * @module
 */
import { assertThrows } from "../helpers/assert.ts";
import { assertLoopbackOnly } from "../helpers/proc.ts";

Deno.test("assertLoopbackOnly() refuses a test node that would broadcast or peer off loopback", () => {
  const data = ["--data", "/tmp/x", "--port", "47001"];
  assertThrows(() => assertLoopbackOnly(data), Error); // default 255.255.255.255
  assertThrows(() => assertLoopbackOnly([...data, "--broadcast", "10.0.0.255"]), Error);
  assertThrows(
    () => assertLoopbackOnly([...data, "--broadcast", "127.255.255.255", "--peer", "192.0.2.1:1"]),
    Error,
  );
  // Allowed: loopback broadcast and peers; commands that open no UDP socket; refused flags.
  assertLoopbackOnly([...data, "--broadcast", "127.255.255.255", "--peer", "127.0.0.1:47002"]);
  assertLoopbackOnly(["export", "--data", "/tmp/x"]);
  assertLoopbackOnly(["wallet", "--data", "/tmp/x"]);
  assertLoopbackOnly(["--port", "-1"]);
});
