/**
 * Slack's incoming-webhook format: the payload shape (a `text` fallback and
 * mrkdwn blocks, Slack's three characters escaped), the body a local
 * 127.0.0.1 receiver gets, and a sink whose URL reference is unset failing
 * once, loudly, without being retried.
 */
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { sinksFromConfig } from "../../../stacks/rollout/notify/config.js";
import {
  NOTIFICATION_SCHEMA_ID,
  type Notification,
} from "../../../stacks/rollout/notify/notification.js";
import { slackPayload, slackSink } from "../../../stacks/rollout/notify/sinks/slack.js";
import { retry } from "../../../stacks/rollout/core/retry.js";
import { ManualClock } from "../../kit/clock.js";

const n: Notification = {
  schema: NOTIFICATION_SCHEMA_ID,
  id: "prod/r7/12/revert-failed",
  kind: "revert-failed",
  severity: "critical",
  environment: "prod",
  release: "r7",
  version: "2.0.0",
  seq: 12,
  at: "2026-11-22T10:00:00.000Z",
  summary: "revert of pro failed: <stack locked> & more",
  cohort: "pro",
  nextStep: "npx cohort-rollout revert --environment prod --cohort pro --release r7",
};

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe("Slack sink", () => {
  it("builds the incoming-webhook payload: text fallback, mrkdwn section and context", () => {
    const p = slackPayload(n);
    expect(p.text).toBe("[prod] revert-failed: revert of pro failed: <stack locked> & more");
    expect(p.blocks).toEqual([
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text:
            ":rotating_light: *revert-failed* — revert of pro failed: &lt;stack locked&gt; &amp; more\n" +
            "Next: `npx cohort-rollout revert --environment prod --cohort pro --release r7`",
        },
      },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: "prod · release r7 (2.0.0) · 2026-11-22T10:00:00.000Z" },
        ],
      },
    ]);
  });

  it("POSTs that payload as JSON to the webhook URL", async () => {
    const bodies: unknown[] = [];
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        bodies.push(JSON.parse(body));
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/xyz`;
    const sink = slackSink({ name: "sre", url, attempts: 1, timeoutMs: 10_000 });
    await sink.send(n, new AbortController().signal);
    expect(bodies).toEqual([slackPayload(n)]);
  });

  it("an unset URL reference fails at once, not retried, with the variable named", async () => {
    const clock = new ManualClock();
    const [sink] = await sinksFromConfig(
      {
        sinks: [
          { type: "slack", name: "sre", url: "env:NO_SUCH_VAR", attempts: 5, timeoutSeconds: 10 },
        ],
      },
      { env: {}, clock },
    );
    if (!sink) throw new Error("no sink built");
    const result = await retry((s) => sink.send(n, s), {
      clock,
      attempts: sink.attempts,
      backoffMs: 1_000,
    });
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    expect(!result.ok && result.error).toContain("env:NO_SUCH_VAR is not set");
  });
});
