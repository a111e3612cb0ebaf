/**
 * The generic webhook: POSTs the notification (schema v1, notification.ts) as
 * JSON, signed so a receiver can check it came from us and is fresh:
 *
 *   X-Cohort-Rollout-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is inside the signed text, so a captured request replayed
 * later fails a receiver's freshness check (README.md: reject t older than
 * 5 minutes, compare in constant time, de-duplicate on X-Cohort-Rollout-Delivery).
 */
import { createHmac } from "node:crypto";
import type { Clock } from "../../core/ports.js";
import type { Notification } from "../notification.js";
import { type Sink, checkHttpAnswer, redactUrl, sinkSettings } from "./sink.js";

export const SIGNATURE_HEADER = "x-cohort-rollout-signature";
export const DELIVERY_HEADER = "x-cohort-rollout-delivery";
export const KIND_HEADER = "x-cohort-rollout-kind";

/** `t=<unix seconds>,v1=<hex>`: HMAC-SHA256 over `<t>.<body>`. */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

export interface WebhookSinkOptions {
  name: string;
  url: string;
  secret: string;
  clock: Clock;
  attempts: number;
  timeoutMs: number;
  kinds?: Sink["kinds"];
}

export function webhookSink(o: WebhookSinkOptions): Sink {
  return {
    ...sinkSettings(o),
    async send(n: Notification, signal: AbortSignal): Promise<void> {
      const body = JSON.stringify(n);
      const t = Math.floor(o.clock.now() / 1000);
      let response: Response;
      try {
        response = await fetch(o.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "cohort-rollout",
            [SIGNATURE_HEADER]: signatureHeader(o.secret, body, t),
            [DELIVERY_HEADER]: n.id,
            [KIND_HEADER]: n.kind,
          },
          body,
          signal,
        });
      } catch (err) {
        // Never the URL itself in a message that is stored: it may carry a token.
        const why = signal.aborted
          ? signal.reason instanceof Error
            ? signal.reason.message
            : "aborted"
          : err instanceof Error
            ? ((err.cause as Error | undefined)?.message ?? err.message)
            : String(err);
        throw new Error(`POST ${redactUrl(o.url)}: ${why}`);
      }
      await checkHttpAnswer(response, `webhook ${redactUrl(o.url)}`);
    },
  };
}
