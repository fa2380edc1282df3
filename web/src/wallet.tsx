/**
 * The wallet: balance, send (with a review step and the address checksum checked before
 * anything is sent), receive (address and QR code), and history.
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import qrcode from "qrcode-generator";
import { addressProblem, amountProblem } from "./address.ts";
import { api, ApiError, type BalanceJson, short, type TxSummaryJson, units } from "./api.ts";

function Status({ s }: { s: string }) {
  return <span class={`status ${s}`} data-testid="status">{s}</span>;
}

/** The QR code of `text` as a data: URL (CSP allows data: images). */
function qrDataUrl(text: string): string {
  const q = qrcode(0, "M");
  q.addData(text);
  q.make();
  return q.createDataURL(6, 8);
}

/** Balance card. */
export function Balance({ b }: { b: BalanceJson | null }) {
  if (!b) return <section class="card">Loading…</section>;
  return (
    <section class="card balance" data-testid="balance">
      <h2>Balance</h2>
      <div class="big" data-testid="balance-confirmed">
        {units(b.confirmed)}
      </div>
      <div class="muted">confirmed base units</div>
      <table class="kv">
        <tr>
          <th>Pending</th>
          <td data-testid="balance-pending">{units(b.pending)}</td>
        </tr>
        <tr>
          <th>of which change</th>
          <td>{units(b.change)}</td>
        </tr>
        <tr>
          <th>of which incoming</th>
          <td>{units(b.incoming)}</td>
        </tr>
        <tr>
          <th>Spendable</th>
          <td data-testid="balance-spendable">{units(b.spendable)}</td>
        </tr>
      </table>
    </section>
  );
}

/** Send form with a review step. */
export function Send({ onSent }: { onSent: (txid: string) => void }) {
  const [to, setTo] = useState("");
  const [amount, setAmount] = useState("");
  const [review, setReview] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const check = (e: Event) => {
    e.preventDefault();
    const problem = addressProblem(to) ?? amountProblem(amount);
    setError(problem);
    setSent(null);
    if (!problem) setReview(true);
  };
  const confirm = async () => {
    setBusy(true);
    try {
      const r = await api<{ txid: string }>("send", {
        address: to.trim(),
        amount: amount.trim(),
      });
      setSent(r.txid);
      setReview(false);
      setTo("");
      setAmount("");
      onSent(r.txid);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.message} (${e.code})` : String(e));
      setReview(false);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card">
      <h2>Send</h2>
      {!review && (
        <form onSubmit={check} data-testid="send-form">
          <label>
            To address
            <input
              name="address"
              data-testid="send-address"
              value={to}
              autocomplete="off"
              spellcheck={false}
              onInput={(e) => setTo((e.target as HTMLInputElement).value)}
            />
          </label>
          <label>
            Amount (base units)
            <input
              name="amount"
              data-testid="send-amount"
              inputMode="numeric"
              value={amount}
              onInput={(e) => setAmount((e.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" data-testid="send-review">
            Review payment
          </button>
        </form>
      )}
      {review && (
        <div class="review" data-testid="send-confirm-box">
          <p>
            Send <b>{units(amount.trim())}</b> base units to<br />
            <code>{to.trim()}</code>?
          </p>
          <p class="muted">
            A payment cannot be called back once it is broadcast.
          </p>
          <button
            type="button"
            onClick={confirm}
            disabled={busy}
            data-testid="send-confirm"
          >
            Confirm and send
          </button>{" "}
          <button
            type="button"
            class="secondary"
            onClick={() => setReview(false)}
            disabled={busy}
          >
            Back
          </button>
        </div>
      )}
      {error && <p class="error" data-testid="send-error">{error}</p>}
      {sent && (
        <p class="ok" data-testid="send-txid">
          Sent: txid <code>{sent}</code>
        </p>
      )}
    </section>
  );
}

/** Receive: the address to give a payer and its QR code. */
export function Receive() {
  const [address, setAddress] = useState<string | null>(null);
  const fresh = () => api<{ address: string }>("receive").then((r) => setAddress(r.address));
  useEffect(() => {
    fresh();
  }, []);
  return (
    <section class="card receive">
      <h2>Receive</h2>
      {address && (
        <>
          <img
            class="qr"
            src={qrDataUrl(address)}
            alt={`QR code of ${address}`}
            data-testid="qr"
          />
          <code data-testid="receive-address">{address}</code>
          <button
            type="button"
            class="secondary"
            onClick={() => navigator.clipboard?.writeText(address)}
          >
            Copy
          </button>
        </>
      )}
    </section>
  );
}

/** History table; a click opens the inspector. */
export function History(
  { txs, onPick }: {
    txs: readonly TxSummaryJson[];
    onPick: (txid: string) => void;
  },
) {
  return (
    <section class="card wide">
      <h2>History</h2>
      <table class="list" data-testid="history">
        <thead>
          <tr>
            <th>txid</th>
            <th>status</th>
            <th>work</th>
            <th>time</th>
            <th class="num">amount</th>
          </tr>
        </thead>
        <tbody>
          {txs.map((t) => (
            <tr
              key={t.txid}
              data-txid={t.txid}
              onClick={() => onPick(t.txid)}
              class="click"
            >
              <td>
                <code>{short(t.txid)}</code>
              </td>
              <td>
                <Status s={t.status} />
              </td>
              <td>{t.work}</td>
              <td>{new Date(t.timestamp).toLocaleString()}</td>
              <td class="num">
                {t.walletAmount === null ? "" : units(t.walletAmount)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {txs.length === 0 && <p class="muted">No transactions for this wallet yet.</p>}
    </section>
  );
}

export { Status };
