/** Misbehaviour scores (lib/net/misbehaviour.ts). */
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  BAN_MS,
  BAN_SCORE,
  Misbehaviour,
  OFFENCE_POINTS,
  SCORE_HALF_LIFE_MS,
} from "../../lib/net/misbehaviour.ts";

Deno.test("Misbehaviour bans a source that keeps sending refused transactions, for BAN_MS", () => {
  const m = new Misbehaviour();
  let t = 0, banned = false;
  for (let i = 0; i < 100 && !banned; i++) banned = m.report("x:1", "rejected", t += 10);
  assert(banned, "a steady stream of rejects is banned");
  assert(m.isBanned("x:1", t + BAN_MS - 1));
  assert(!m.isBanned("x:1", t + BAN_MS + 1));
  assert(!m.isBanned("y:1", t), "other sources are not affected");
  assertEquals(m.bansTotal, 1);
  assertEquals(m.sources(t)[0].source, "x:1");
});

Deno.test("Misbehaviour does not ban an honest peer's occasional mistakes", () => {
  // An honest peer over ten minutes on a lossy LAN: a session abandoned (lost datagrams) every
  // minute, a relayed transaction this node refuses every 30 s (clock skew, a race), a few
  // inventory entries it could not serve and ten orphans from a lost parent each minute. Decay
  // keeps it well under the ban score.
  const m = new Misbehaviour();
  let worst = 0;
  for (let t = 0; t < 600_000; t += 1000) {
    if (t % 60_000 === 0) m.report("h:1", "stall", t);
    if (t % 30_000 === 0) m.report("h:1", "rejected", t);
    if (t % 30_000 === 0) m.report("h:1", "inv-lie", t, 3);
    if (t % 60_000 === 0) m.report("h:1", "orphan", t, 10);
    assert(!m.isBanned("h:1", t), `banned at ${t}`);
    worst = Math.max(worst, m.score("h:1", t));
  }
  assert(worst < BAN_SCORE, `worst ${worst}`);
});

Deno.test("Misbehaviour scores halve every SCORE_HALF_LIFE_MS", () => {
  const m = new Misbehaviour();
  m.report("x:1", "stall", 0);
  const s0 = m.score("x:1", 0);
  assertEquals(s0, OFFENCE_POINTS.stall);
  assert(Math.abs(m.score("x:1", SCORE_HALF_LIFE_MS) - s0 / 2) < 1e-9);
});
