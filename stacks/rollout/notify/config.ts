/**
 * From the environment definition's `notifications:` section (validated by
 * the component with components/contract.ts, exported by the edge stack as
 * part of `environment`) to sinks. Secrets are resolved here, from the
 * process's environment, at the moment the sinks are built: they live in
 * memory only.
 */
import {
  type NotificationsConfig,
  OUTPUT_KEYS,
  notificationsConfigSchema,
} from "../../../components/contract.js";
import type { AwsAdapterOptions } from "../adapters/aws-client-config.js";
import type { Clock, StackDriver } from "../core/ports.js";
import type { Sink } from "./sinks/sink.js";
import { resolveSecret } from "./sinks/sink.js";
import { slackSink } from "./sinks/slack.js";
import { webhookSink } from "./sinks/webhook.js";

export interface SinkContext {
  env: Record<string, string | undefined>;
  clock: Clock;
  /** AWS settings for SNS (region, endpoint override for an emulator). */
  aws?: AwsAdapterOptions;
}

/** A sink that could not be built: every send fails with why (shown in `status`), none retried. */
function brokenSink(common: Omit<Sink, "send">, why: Error): Sink {
  return { ...common, send: () => Promise.reject(why) };
}

export async function sinksFromConfig(
  config: NotificationsConfig,
  ctx: SinkContext,
): Promise<Sink[]> {
  const sinks: Sink[] = [];
  for (const c of config.sinks) {
    const common = {
      name: c.name,
      attempts: c.attempts,
      timeoutMs: Math.round(c.timeoutSeconds * 1000),
      ...(c.kinds ? { kinds: c.kinds } : {}),
    };
    try {
      if (c.type === "webhook") {
        sinks.push(
          webhookSink({
            ...common,
            url: resolveSecret(c.url, ctx.env),
            secret: resolveSecret(c.secret, ctx.env),
            clock: ctx.clock,
          }),
        );
      } else if (c.type === "slack") {
        sinks.push(slackSink({ ...common, url: resolveSecret(c.url, ctx.env) }));
      } else {
        // Loaded only when an SNS sink is configured.
        const { snsSink } = await import("./sinks/sns.js");
        sinks.push(snsSink({ ...common, ...(ctx.aws ?? {}), topicArn: c.topicArn }));
      }
    } catch (err) {
      sinks.push(brokenSink(common, err instanceof Error ? err : new Error(String(err))));
    }
  }
  return sinks;
}

/**
 * The environment's notification config from the edge stack's `environment` output; undefined
 * when it declares none. Throws naming every problem when it is malformed.
 */
export async function readNotificationsConfig(
  driver: StackDriver,
  edgeStack: string,
): Promise<NotificationsConfig | undefined> {
  const outputs = await driver.outputs(edgeStack);
  const env = outputs[OUTPUT_KEYS.environment] as { notifications?: unknown } | undefined;
  if (env?.notifications === undefined) return undefined;
  const parsed = notificationsConfigSchema.safeParse(env.notifications);
  if (!parsed.success) {
    throw new Error(
      `stack ${edgeStack} environment.notifications: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}
