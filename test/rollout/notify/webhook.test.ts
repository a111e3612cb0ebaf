/**
 * Webhook delivery against a real HTTP server on 127.0.0.1: the signature
 * checked with the test's own HMAC code, retries on 500, no retry on a 4xx,
 * and a server that never answers: the run's revert is complete in the ledger
 * while the first delivery attempt is still waiting for its answer (the
 * notifier's clock is moved by the test alone, so no timeout can have fired),
 * and the failure ends up in the outbox that `status` reads.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RolloutEvent } from "../../../stacks/rollout/core/events.js";
import { notificationSchema } from "../../../stacks/rollout/notify/notification.js";
import { Notifier } from "../../../stacks/rollout/notify/notifier.js";
import { OutboxFile, readDeliveryProblems } from "../../../stacks/rollout/notify/outbox.js";
import { webhookSink } from "../../../stacks/rollout/notify/sinks/webhook.js";
import type { Clock } from "../../../stacks/rollout/core/ports.js";
import { Runner } from "../../../stacks/rollout/executor/runner.js";
import { harness } from "../support/harness.js";
import { ManualClock } from "../../kit/clock.js";

const SECRET = "s3cret-for-tests";

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

type Answer = (req: Received, res: ServerResponse) => void;

const servers: Server[] = [];
const hung: ServerResponse[] = [];

async function server(answer: Answer): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const s = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const r = { headers: req.headers, body };
      received.push(r);
      answer(r, res);
    });
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`, received };
}

afterEach(async () => {
  for (const res of hung.splice(0)) res.destroy();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** The receiver's check, written independently of the sink's code. */
function verify(header: string | undefined, body: string, nowSeconds: number): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowSeconds - t) > 300) return false;
  const expected = createHmac("sha256", SECRET).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2] ?? "", "hex"));
}

function outboxIn(): OutboxFile {
  return new OutboxFile(join(mkdtempSync(join(tmpdir(), "outbox-")), "prod.outbox.jsonl"));
}

function sink(url: string, clock: Clock, attempts = 4, timeoutMs = 10_000) {
  return webhookSink({ name: "ops", url, secret: SECRET, clock, attempts, timeoutMs });
}

/** Lets pending I/O callbacks and promise chains run (the notifier works on real sockets). */
async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never happened: ${what}`);
}

describe("webhook sink", () => {
  it("signs the raw body with a timestamp; the receiver's own HMAC check accepts it", async () => {
    const srv = await server((_r, res) => res.writeHead(204).end());
    const h = await harness();
    const outbox = outboxIn();
    // The notifier's own clock, never moved here: no attempt can time out under a busy machine.
    const clock = new ManualClock(h.clock.now());
    const notifier = new Notifier({
      ledger: h.ledger,
      outbox,
      sinks: [sink(srv.url, clock)],
      clock,
      release: "r1",
    });
    await h.run();
    notifier.poke();
    await notifier.idle();
    expect(
      srv.received.map((r) => JSON.parse(r.body) as { kind: string }).map((b) => b.kind),
    ).toEqual(["planned", "wave-passed", "wave-passed", "wave-passed", "completed"]);
    const nowSeconds = Math.floor(clock.now() / 1000);
    for (const r of srv.received) {
      const sig = r.headers["x-cohort-rollout-signature"] as string;
      expect(verify(sig, r.body, nowSeconds)).toBe(true);
      // Tampering with one byte of the body, or replaying it an hour later, fails the check.
      expect(verify(sig, r.body.replace("prod", "prud"), nowSeconds)).toBe(false);
      expect(verify(sig, r.body, nowSeconds + 3600)).toBe(false);
      const body = notificationSchema.parse(JSON.parse(r.body));
      expect(r.headers["x-cohort-rollout-delivery"]).toBe(body.id);
      expect(r.headers["content-type"]).toBe("application/json");
    }
    expect((await notifier.deliveries()).every((d) => d.status === "delivered")).toBe(true);
  });

  it("retries a 500 with backoff and records every attempt; a 400 is not retried", async () => {
    let calls = 0;
    const flaky = await server((_r, res) => res.writeHead(++calls <= 2 ? 500 : 200).end("ok"));
    const refusing = await server((_r, res) => res.writeHead(400).end("bad body"));
    const clock = new ManualClock();
    const h = await harness();
    const outbox = outboxIn();
    // Only the plan is in the ledger: one notification per sink.
    const notifier = new Notifier({
      ledger: h.ledger,
      outbox,
      sinks: [
        { ...sink(flaky.url, clock), name: "flaky" },
        { ...sink(refusing.url, clock), name: "refusing" },
      ],
      clock,
      release: "r1",
      backoffMs: 1_000,
    });
    notifier.poke();
    // First attempt answered 500: the retry sleeps 1 s, then 2 s, on the notifier's clock.
    // (Attempts in flight sleep their 10 s timeout beside: the backoffs are told apart by length.)
    await until(() => clock.sleeping.includes(1_000), "first backoff");
    expect(flaky.received.length).toBe(1);
    clock.advance(1_000);
    await until(() => clock.sleeping.includes(2_000), "second backoff");
    expect(flaky.received.length).toBe(2);
    clock.advance(1_999);
    await new Promise((r) => setTimeout(r, 20));
    expect(flaky.received.length).toBe(2); // the backoff doubled: not yet
    clock.advance(1);
    await notifier.idle();
    expect(flaky.received.length).toBe(3);
    expect(refusing.received.length).toBe(1);
    const ds = await notifier.deliveries();
    expect(ds.find((d) => d.sink === "flaky")).toMatchObject({ status: "delivered", attempts: 3 });
    expect(ds.find((d) => d.sink === "refusing")).toMatchObject({ status: "failed", attempts: 1 });
    expect(ds.find((d) => d.sink === "refusing")?.lastError).toContain("answered 400");
    // Every body of the retries is the same notification (same id: receivers de-duplicate).
    expect(new Set(flaky.received.map((r) => r.headers["x-cohort-rollout-delivery"])).size).toBe(1);
  });

  it("a server that never answers does not delay the revert; its failure shows in the outbox", async () => {
    const srv = await server((_r, res) => void hung.push(res));
    const notifierClock = new ManualClock();
    const h = await harness();
    h.gate.script = (name) =>
      name.startsWith("pro-") && h.eventsOf("applied").length >= 2 ? "ALARM" : "OK";
    const outbox = outboxIn();
    const notifier = new Notifier({
      ledger: h.ledger,
      outbox,
      sinks: [sink(srv.url, notifierClock, 2, 10_000)],
      clock: notifierClock,
      release: "r1",
      backoffMs: 1_000,
    });
    // Wire it as the CLI does: every recorded event pokes the notifier.
    const runner = new Runner(
      {
        driver: h.driver,
        gate: h.gate,
        ledger: h.ledger,
        clock: h.clock,
        progress: (u) => {
          if (u.kind === "event") notifier.poke();
        },
      },
      { gateAttempts: 3, gateBackoffMs: 1_000 },
    );
    const result = await runner.run("r1");

    // The run is over, reverted, while the server still holds the first request unanswered
    // and the notifier's clock has not moved: no delivery timeout can have fired.
    expect(result.outcome).toBe("failed");
    const types = h.ledger.events().map((e: RolloutEvent) => e.type);
    expect(types.slice(-5)).toEqual([
      "reverting",
      "reverted",
      "reverting",
      "reverted",
      "release-failed",
    ]);
    await until(() => srv.received.length === 1, "the first request reached the server");
    expect(notifierClock.now()).toBe(1_000_000);
    expect(hung.length).toBe(1);
    let ds = await notifier.deliveries();
    expect(ds.length).toBeGreaterThan(0);
    expect(ds.every((d) => d.status === "pending" && d.attempts === 0)).toBe(true);

    // Now let the attempts time out: 10 s, backoff 1 s, 10 s; the sink gives up on the first
    // notification and moves on to the next (its queue keeps order).
    expect(notifierClock.sleeping).toEqual([10_000]); // the one attempt's timeout
    notifierClock.advance(10_000);
    await until(() => notifierClock.sleeping.join() === "1000", "backoff after the timeout");
    notifierClock.advance(1_000);
    await until(() => srv.received.length === 2, "second attempt");
    await until(() => notifierClock.sleeping.join() === "10000", "second attempt's timeout");
    notifierClock.advance(10_000);
    await until(async () => (await notifier.deliveries())[0]?.status === "failed", "gave up");
    ds = await notifier.deliveries();
    expect(ds[0]).toMatchObject({ status: "failed", attempts: 2 });
    expect(ds[0]?.lastError).toContain("timed out after 10000 ms");
    expect(ds[0]?.lastError).not.toContain("/hook"); // URLs are redacted in what is stored
    const problems = await readDeliveryProblems(outbox.path);
    expect(problems.failed.map((d) => d.notification.kind)).toEqual(["planned"]);
    await notifier.close(0);
  });
});
