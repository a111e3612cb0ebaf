/**
 * Slack through an incoming webhook: Slack's own `{ text, blocks }` payload
 * (a plain `text` fallback for notifications, mrkdwn blocks for the channel).
 * The URL is a secret (it carries the token), so it is only ever configured
 * by reference and never written to a message.
 */
import type { Notification } from "../notification.js";
import { type Sink, checkHttpAnswer, sinkSettings } from "./sink.js";

/** Slack mrkdwn needs &, < and > escaped; everything else is literal. */
function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const ICON: Record<Notification["severity"], string> = {
  info: ":large_green_circle:",
  warning: ":warning:",
  critical: ":rotating_light:",
};

export interface SlackPayload {
  text: string;
  blocks: (
    | { type: "section"; text: { type: "mrkdwn"; text: string } }
    | { type: "context"; elements: { type: "mrkdwn"; text: string }[] }
  )[];
}

/** The incoming-webhook body for one notification. */
export function slackPayload(n: Notification): SlackPayload {
  const lines = [`${ICON[n.severity]} *${escape(n.kind)}* — ${escape(n.summary)}`];
  if (n.nextStep !== undefined) lines.push(`Next: \`${escape(n.nextStep)}\``);
  return {
    text: `[${n.environment}] ${n.kind}: ${n.summary}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: lines.join("\n") } },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: escape(`${n.environment} · release ${n.release} (${n.version}) · ${n.at}`),
          },
        ],
      },
    ],
  };
}

export interface SlackSinkOptions {
  name: string;
  url: string;
  attempts: number;
  timeoutMs: number;
  kinds?: Sink["kinds"];
}

export function slackSink(o: SlackSinkOptions): Sink {
  return {
    ...sinkSettings(o),
    async send(n: Notification, signal: AbortSignal): Promise<void> {
      let response: Response;
      try {
        response = await fetch(o.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(slackPayload(n)),
          signal,
        });
      } catch (err) {
        const why = signal.aborted
          ? signal.reason instanceof Error
            ? signal.reason.message
            : "aborted"
          : err instanceof Error
            ? err.message
            : String(err);
        throw new Error(`Slack webhook: ${why}`);
      }
      await checkHttpAnswer(response, "Slack webhook");
    },
  };
}
