import { assertEquals } from "../helpers/assert.ts";
import { coinsOf, makeGenesis, pay, T0, testKeys } from "../helpers/fixtures.ts";
import { Ownership, txEffect } from "../../lib/cli/wallet_view.ts";
import { addressFromPublicKey } from "../../lib/core/address.ts";

const alice = testKeys(1), bob = testKeys(2), carol = testKeys(3);
const addr = (k: typeof alice) => addressFromPublicKey(k.publicKey);

Deno.test("txEffect() gives direction, your amount (change excluded) and the counterparty", () => {
  const me = new Ownership([addr(alice)], [alice.publicKey]);
  const genesis = makeGenesis(alice, 1000n);
  assertEquals(txEffect(genesis, me.isMine), {
    direction: "received",
    amount: 1000n,
    counterparty: "genesis",
    payees: 0,
  });
  const coin = coinsOf(genesis, [alice])[0];
  const sent = pay([coin], [{ to: bob, amount: 300n }, { to: carol, amount: 200n }, {
    to: alice,
    amount: 500n,
  }], T0 + 1);
  assertEquals(txEffect(sent, me.isMine), {
    direction: "sent",
    amount: 500n,
    counterparty: addr(bob),
    payees: 2,
  });
  const bobs = new Ownership([addr(bob)], [bob.publicKey]);
  assertEquals(txEffect(sent, bobs.isMine), {
    direction: "received",
    amount: 300n,
    counterparty: addr(alice),
    payees: 0,
  });
  const self = pay([coin], [{ to: alice, amount: 1000n }], T0 + 2);
  assertEquals(txEffect(self, me.isMine).direction, "self");
  const carols = new Ownership([addr(carol)], [carol.publicKey]);
  assertEquals(txEffect(self, carols.isMine).direction, "other");
});

Deno.test("Ownership.touches() agrees with txEffect() on every transaction", () => {
  const genesis = makeGenesis(alice, 1000n);
  const coin = coinsOf(genesis, [alice])[0];
  const txs = [
    genesis,
    pay([coin], [{ to: bob, amount: 1000n }], T0 + 1),
    pay([coin], [{ to: alice, amount: 1000n }], T0 + 2),
    pay([coin], [{ to: carol, amount: 400n }, { to: bob, amount: 600n }], T0 + 3),
  ];
  for (const k of [alice, bob, carol, testKeys(4)]) {
    const own = new Ownership([addr(k)], [k.publicKey]);
    for (const tx of txs) {
      assertEquals(own.touches(tx), txEffect(tx, own.isMine).direction !== "other");
    }
  }
});
