/**
 * Amazon SNS (AWS SDK v3): publishes the notification (schema v1) as the
 * message, with `kind`, `severity` and `environment` as message attributes so
 * subscriptions can filter on them. FIFO topics get the environment as the
 * message group and the notification id as the de-duplication id.
 */
import { createHash } from "node:crypto";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { type AwsAdapterOptions, awsClientSettings } from "../../adapters/aws-client-config.js";
import type { Notification } from "../notification.js";
import { type Sink, sinkSettings } from "./sink.js";

export interface SnsSinkOptions extends AwsAdapterOptions {
  name: string;
  topicArn: string;
  attempts: number;
  timeoutMs: number;
  kinds?: Sink["kinds"];
}

/** The PublishCommand input for one notification. */
export function snsPublishInput(topicArn: string, n: Notification) {
  const attr = (value: string) => ({ DataType: "String", StringValue: value });
  return {
    TopicArn: topicArn,
    Message: JSON.stringify(n),
    // SNS subjects: at most 100 printable ASCII characters, no line breaks.
    Subject: `[${n.environment}] ${n.kind}: ${n.release}`
      .replace(/[^\x20-\x7e]/g, "?")
      .slice(0, 100),
    MessageAttributes: {
      kind: attr(n.kind),
      severity: attr(n.severity),
      environment: attr(n.environment),
    },
    ...(topicArn.endsWith(".fifo")
      ? {
          MessageGroupId: n.environment,
          MessageDeduplicationId: createHash("sha256").update(n.id).digest("hex"),
        }
      : {}),
  };
}

/** The topic's region, from its ARN (arn:aws:sns:<region>:<account>:<name>). */
export function regionOfTopic(topicArn: string): string | undefined {
  return topicArn.split(":")[3] || undefined;
}

export function snsSink(o: SnsSinkOptions): Sink & { close(): void } {
  // Our retry helper owns retries and timeouts: one SDK attempt per delivery attempt.
  const client = new SNSClient({
    ...awsClientSettings({ ...o, maxAttempts: 1, requestTimeoutMs: o.timeoutMs }),
    ...(o.region === undefined && regionOfTopic(o.topicArn) !== undefined
      ? { region: regionOfTopic(o.topicArn) }
      : {}),
  });
  return {
    ...sinkSettings(o),
    async send(n: Notification, signal: AbortSignal): Promise<void> {
      await client.send(new PublishCommand(snsPublishInput(o.topicArn, n)), {
        abortSignal: signal,
      });
    },
    close: () => client.destroy(),
  };
}
