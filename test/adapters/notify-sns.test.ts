/**
 * The SNS sink against moto: a topic with HTTP subscriptions to a local
 * 127.0.0.1 receiver (moto delivers to them during Publish), so the test sees
 * what a subscriber gets: our v1 body as the message and the subject. The
 * kind/severity/environment attributes are checked the way subscribers use
 * them: moto applies subscription filter policies to them (its HTTP delivery
 * does not echo attributes), so only the subscription whose policy matches
 * receives the message.
 */
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  NOTIFICATION_SCHEMA_ID,
  type Notification,
  notificationSchema,
} from "../../stacks/rollout/notify/notification.js";
import { snsSink } from "../../stacks/rollout/notify/sinks/sns.js";
import { awsTestClientConfig, ensureMoto, startMoto, type MotoServer } from "../support/moto.js";

const moto = await ensureMoto();

const n: Notification = {
  schema: NOTIFICATION_SCHEMA_ID,
  id: "prod/r7/9/gate-failed",
  kind: "gate-failed",
  severity: "warning",
  environment: "prod",
  release: "r7",
  version: "2.0.0",
  seq: 9,
  at: "2026-11-22T10:00:00.000Z",
  summary: "release r7 failed at pro (gate): pro-5xx is ALARM",
  cohort: "pro",
  wave: 1,
  reason: "pro-5xx is ALARM",
  cause: "gate",
};

interface Delivered {
  path: string;
  Type: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

describe.skipIf(!moto.available)(`SNS sink against moto ${moto.reason ?? ""}`, () => {
  let aws: MotoServer;
  let receiver: Server;
  const received: Delivered[] = [];
  let topicArn = "";

  beforeAll(async () => {
    aws = await startMoto();
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({ ...(JSON.parse(body) as Omit<Delivered, "path">), path: req.url ?? "" });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const sns = new SNSClient(awsTestClientConfig(aws.endpoint));
    topicArn =
      (await sns.send(new CreateTopicCommand({ Name: "rollouts" }))).TopicArn ?? "no topic";
    const port = (receiver.address() as AddressInfo).port;
    const subscribe = (path: string, policy: Record<string, string[]>) =>
      sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: "http",
          Endpoint: `http://127.0.0.1:${port}${path}`,
          Attributes: { FilterPolicy: JSON.stringify(policy) },
        }),
      );
    await subscribe("/warnings-in-prod", { severity: ["warning"], environment: ["prod"] });
    await subscribe("/gate-failures", { kind: ["gate-failed"] });
    await subscribe("/completions", { kind: ["completed"] });
    await subscribe("/staging", { environment: ["staging"] });
    sns.destroy();
  });

  afterAll(async () => {
    await new Promise<void>((r) => receiver.close(() => r()));
    await aws.stop();
  });

  it("publishes the v1 body with a subject and filterable attributes", async () => {
    const sink = snsSink({
      ...awsTestClientConfig(aws.endpoint),
      name: "pager",
      topicArn,
      attempts: 3,
      timeoutMs: 10_000,
    });
    try {
      await sink.send(n, new AbortController().signal);
    } finally {
      sink.close();
    }
    const got = received.filter((r) => r.Type === "Notification");
    // Only the subscriptions whose filter policy matches the message attributes got it.
    expect(got.map((r) => r.path).sort()).toEqual(["/gate-failures", "/warnings-in-prod"]);
    for (const m of got) {
      expect(m.TopicArn).toBe(topicArn);
      expect(m.Subject).toBe("[prod] gate-failed: r7");
      expect(notificationSchema.parse(JSON.parse(m.Message))).toEqual(n);
    }
  });

  it("a topic that does not exist is a failed delivery (rejected), not a crash", async () => {
    const sink = snsSink({
      ...awsTestClientConfig(aws.endpoint),
      name: "pager",
      topicArn: topicArn.replace(/rollouts$/, "missing"),
      attempts: 1,
      timeoutMs: 10_000,
    });
    try {
      await expect(sink.send(n, new AbortController().signal)).rejects.toThrow();
    } finally {
      sink.close();
    }
  });
});
