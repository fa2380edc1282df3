import { mineConf } from "../helpers/dag.ts";
/**
 * The in-memory wallet (lib/wallet/wallet.ts) over a real SQLite ledger: ownership across
 * receive, change and imported addresses; a fresh change address per payment; the gap-limit
 * window that lets a restored wallet find its coins; locking; and the node's merging save.
 * @module
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../helpers/assert.ts";
import { decodeAddress } from "../../lib/core/address.ts";
import { signTx } from "../../lib/core/sign.ts";
import { type Tx, txid } from "../../lib/core/tx.ts";
import { openLedger } from "../../lib/ledger/ledger.ts";
import { WalletError } from "../../lib/wallet/errors.ts";
import { addressAt, checkMnemonic, GAP_LIMIT, RECEIVE_CHAIN } from "../../lib/wallet/hd.ts";
import { accountFromXpub } from "../../lib/wallet/hd.ts";
import { buildPayment, walletBalance } from "../../lib/wallet/payment.ts";
import { hdDoc, sealDoc, Wallet } from "../../lib/wallet/wallet.ts";
import { readWalletFile, walletToJson } from "../../lib/wallet/wallet_file.ts";
import { saveWalletState, writeWalletDoc } from "../../lib/wallet/wallet_store.ts";
import { parseWalletDoc } from "../../lib/wallet/wallet_file.ts";
import { T0, testKeys } from "../helpers/fixtures.ts";
import { TEST_CONFIRM_WORK, testGenesis } from "../helpers/ledger_fixtures.ts";

const WORDS = checkMnemonic(
  "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
);
const FAST = { n: 1024, r: 8, p: 1 };
const alice = testKeys(0);
const genesis = testGenesis(alice);

/** Pays `amounts` from the genesis coin to `addresses`, change back to alice. */
function fund(addresses: string[], amounts: bigint[]): Tx {
  const total = genesis.tx.outputs[0].amount;
  const paid = amounts.reduce((s, a) => s + a, 0n);
  return signTx(
    [{ txid: txid(genesis.tx), index: 0, keys: alice }],
    [
      ...addresses.map((a, i) => ({ amount: amounts[i], address: decodeAddress(a) })),
      { amount: total - paid, address: genesis.tx.outputs[0].address },
    ],
    T0 + 1000,
  );
}

async function ledgerWith(txs: Tx[]) {
  const l = await openLedger(":memory:", {
    genesis,
    clock: () => T0 + 60_000,
    confirmWork: TEST_CONFIRM_WORK,
    minConfBits: 1,
  });
  for (const tx of txs) {
    assertEquals(l.addTx(tx).kind, "accepted");
    l.addConfirmation(mineConf(txid(tx), TEST_CONFIRM_WORK + 1));
  }
  return l;
}

Deno.test("Wallet: a fresh change address per payment, all owned; balance over every address", async () => {
  const w = new Wallet(hdDoc(WORDS, ""));
  const r0 = w.address;
  const r1 = w.newReceiveAddress();
  assert(r0 !== r1 && w.isMine(r0) && w.isMine(r1));
  const l = await ledgerWith([fund([r0, r1], [500n, 300n])]);
  try {
    assertEquals(walletBalance(l, w), { confirmed: 800n, pending: 0n });
    const dest = "CKY5fFLpDAWVdj1KPN8doYNgwR6EF2cQm1";
    const p1 = buildPayment(l, w, dest, 100n, T0 + 5000);
    const p2 = buildPayment(l, w, dest, 100n, T0 + 6000);
    const change = [p1, p2].map((p) => p.outputs[1].address);
    assert(w.isMine(change[0]) && w.isMine(change[1]));
    assert(change[0].join() !== change[1].join(), "two payments, two change addresses");
    assertEquals(w.ownerOf(w.addresses().find((a) => a.kind === "change")!.address)?.index, 0);
    assertEquals(w.addresses().filter((a) => a.kind === "change").length, 2);
    assert(w.dirty);
    assertEquals(w.isMine(dest), false);
    assertEquals(w.isMine("not an address"), false);
  } finally {
    l.close();
  }
});

Deno.test("Wallet: gap limit, a restored wallet finds coins 20 past the last used address", () => {
  const account = accountFromXpub(hdDoc(WORDS, "").hd!.xpub);
  const at = (i: number) => addressAt(account, RECEIVE_CHAIN, i);
  const restored = new Wallet(hdDoc(WORDS, ""));
  assert(restored.isMine(at(GAP_LIMIT)), "the window covers 0..20 past the counter");
  assertEquals(restored.isMine(at(GAP_LIMIT + 1 + 10)), false);
  // A payment at index 15 moves the window: 31 is watched now, and the counter follows.
  restored.noteTx(fund([at(15)], [1n]));
  assert(restored.isMine(at(31)));
  assertEquals(restored.isMine(at(36)), false);
  assertEquals(restored.address, at(15));
  assertEquals(restored.newReceiveAddress(), at(16));
});

Deno.test("Wallet: an encrypted wallet receives while locked, signs once unlocked", async () => {
  const plain = hdDoc(WORDS, "", {
    doc: parseWalletDoc(walletToJson(testKeys(5)), "v1"),
    secrets: parseWalletDoc(walletToJson(testKeys(5)), "v1").secrets!,
  });
  const sealed = sealDoc(plain, plain.secrets!, "pw", FAST);
  const w = new Wallet(sealed);
  assert(w.locked && w.encrypted);
  assertEquals(w.address, new Wallet(plain).address);
  const imported = w.addresses().find((a) => a.kind === "imported")!.address;
  const l = await ledgerWith([fund([w.address, imported], [40n, 60n])]);
  try {
    assertEquals(walletBalance(l, w).confirmed, 100n);
    w.lockedReason = "Sending is off: test";
    assertThrows(() => buildPayment(l, w, imported, 5n, T0), WalletError, "Sending is off: test");
    const e = assertThrows(() => w.unlock("wrong", "F"), WalletError, "Wrong passphrase for F");
    assertEquals(e.code, "passphrase");
    w.unlock("pw");
    const tx = buildPayment(l, w, "CKY5fFLpDAWVdj1KPN8doYNgwR6EF2cQm1", 90n, T0 + 5000);
    assertEquals(tx.inputs.length, 2, "coins of the HD and the imported address");
  } finally {
    l.close();
  }
});

Deno.test("saveWalletState(): keeps a label and encryption written meanwhile, raises counters", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/wallet.json`;
    const doc = hdDoc(WORDS, "");
    await writeWalletDoc(path, doc, { createNew: true });
    const node = new Wallet(doc);
    node.takeChangeAddress();
    node.newReceiveAddress();
    // Meanwhile `wallet label` and `wallet encrypt` rewrote the file.
    const other = new Wallet(doc);
    other.setLabel(other.address, "first");
    await writeWalletDoc(path, sealDoc(other.toDoc(), doc.secrets!, "pw", FAST));
    await saveWalletState(path, node);
    const r = await readWalletFile(path);
    assert(r.kind === "ok");
    assertEquals(r.doc.labels, { [other.address]: "first" });
    assert(r.doc.encrypted !== null && r.doc.secrets === null, "still encrypted");
    assertEquals([r.doc.hd!.receiveNext, r.doc.hd!.changeNext], [2, 1]);
    assertEquals(node.dirty, false);
    // A read-only failure is a WalletError naming the file; the old file stays.
    node.newReceiveAddress();
    await Deno.chmod(path, 0o400);
    await Deno.remove(dir + "/wallet.json");
    await Deno.mkdir(path);
    await assertRejects(() => saveWalletState(path, node), WalletError, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
