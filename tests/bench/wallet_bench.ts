/**
 * The "wallet" bench section: what the wallet's key derivation costs (scrypt at the
 * parameters new files record, lib/wallet/secret_box.ts; the issue asks for about 0.5 s),
 * what BIP 39/32 cost at start and per address, and what the membership-key seal and open
 * (lib/wire/sealed.ts) cost per datagram beside the datagram rates of the net section.
 * @module
 */
import { DEFAULT_KDF, openBox, sealBox } from "../../lib/wallet/secret_box.ts";
import { accountKey, addressAt, newMnemonic, seedFromMnemonic } from "../../lib/wallet/hd.ts";
import { DatagramOpener, DatagramSealer } from "../../lib/wire/sealed.ts";
import { type BenchSection, fmtRate, rate } from "./section.ts";

const rnd = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** Median of `n` timed runs of `fn`, ms. */
function medianMs(n: number, fn: () => void): { median: number; all: number[] } {
  const all: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    all.push(performance.now() - t0);
  }
  const s = [...all].sort((a, b) => a - b);
  return { median: s[Math.floor(n / 2)], all };
}

/** Measures the section; prints each figure as it is taken. */
export function bench(): Promise<BenchSection> {
  const load = Deno.loadavg()[0];
  const secret = new TextEncoder().encode(JSON.stringify({ mnemonic: newMnemonic(24) }));
  const seal = medianMs(5, () => sealBox(secret, "passphrase", "bench", rnd));
  const box = sealBox(secret, "passphrase", "bench", rnd);
  const open = medianMs(5, () => openBox(box, "passphrase", "bench"));
  console.log(
    `wallet: scrypt seal median ${seal.median.toFixed(0)} ms, open ${open.median.toFixed(0)} ms`,
  );
  const words = newMnemonic(12);
  const seed = medianMs(5, () => seedFromMnemonic(words, ""));
  const account = accountKey(seedFromMnemonic(words, ""));
  let i = 0;
  const derive = rate(() => addressAt(account, 0, i++), 500);
  console.log(`wallet: addresses derived ${fmtRate(derive)}/s`);
  const key = rnd(32);
  const sealer = new DatagramSealer(key, rnd);
  const rows: [string, number][] = [];
  for (const size of [100, 1200, 8192]) {
    const d = rnd(size);
    const now = Date.now();
    const s = rate(() => sealer.seal(d, now), 500);
    const sealed = [...Array(64)].map(() => sealer.seal(d, now));
    let k = 0;
    // Each opener sees each sealed datagram once (a replay would be refused early).
    const o = rate(() => {
      const r = new DatagramOpener(key).open(sealed[k++ % 64], now);
      if (typeof r === "string") throw new Error(`open failed: ${r}`);
    }, 500);
    rows.push([`seal ${size}-byte datagram`, s], [`open ${size}-byte datagram`, o]);
    console.log(`wallet: ${size} B seal ${fmtRate(s)}/s, open ${fmtRate(o)}/s`);
  }
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const markdown = [
    `| operation | cost |`,
    "|---|---:|",
    `| scrypt N=${DEFAULT_KDF.n} r=${DEFAULT_KDF.r} p=${DEFAULT_KDF.p} + XChaCha20-Poly1305 seal (encrypt, change-passphrase) | ${
      ms(seal.median)
    } |`,
    `| the same, open (node start, show-mnemonic, decrypt) | ${ms(open.median)} |`,
    `| BIP 39 seed (PBKDF2-HMAC-SHA512, 2048 rounds) | ${ms(seed.median)} |`,
    `| BIP 32 address derivation (chain/index under the account) | ${fmtRate(derive)}/s |`,
    ...rows.map(([l, r]) => `| membership key: ${l} | ${fmtRate(r)}/s |`),
    "",
    `- KDF runs (ms): seal ${seal.all.map((x) => x.toFixed(0)).join(", ")}; open ${
      open.all.map((x) => x.toFixed(0)).join(", ")
    }. Medians of 5 in one process.`,
    `- The open figures include creating a DatagramOpener per datagram (one SHA-256).`,
    `- 1-minute load average at the start: ${load.toFixed(2)}.`,
  ].join("\n");
  return Promise.resolve({ title: "Wallet: key derivation and the membership seal", markdown });
}
