/**
 * A notification sink: sends one notification, once. Retries, timeouts and
 * the record of attempts belong to the outbox (outbox.ts), not to sinks, so
 * every sink gets the same backoff over the same Clock.
 */
import type { NotificationKind } from "../../../../components/contract.js";
import { PermanentError } from "../../core/retry.js";
import type { Notification } from "../notification.js";

export interface Sink {
  /** Names the sink in `status` and the outbox. */
  name: string;
  /** Only these kinds are sent (undefined: every kind). */
  kinds?: readonly NotificationKind[];
  attempts: number;
  /** One attempt is abandoned after this long. */
  timeoutMs: number;
  /** Resolves when the receiver accepted it; rejects (PermanentError: do not retry) otherwise. */
  send(notification: Notification, signal: AbortSignal): Promise<void>;
}

/** Resolves `env:NAME` from `env`; a reference to an unset variable is a permanent failure. */
export function resolveSecret(ref: string, env: Record<string, string | undefined>): string {
  const m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(ref);
  if (!m) return ref; // a plain value (a webhook URL that is not secret)
  const value = env[m[1] ?? ""];
  if (value === undefined || value === "")
    throw new PermanentError(
      `${ref} is not set where cohort-rollout runs (export it, or run under \`esc run <env> --\`)`,
    );
  return value;
}

/**
 * An HTTP answer as a delivery outcome: 2xx accepted; 408, 429 and 5xx retried; any other
 * 4xx is the receiver refusing this body, which a retry would not change.
 */
export async function checkHttpAnswer(response: Response, what: string): Promise<void> {
  const text = (await response.text().catch(() => "")).slice(0, 200);
  if (response.ok) return;
  const detail = `${what} answered ${response.status}${text ? `: ${text}` : ""}`;
  if (response.status >= 400 && response.status < 500 && ![408, 429].includes(response.status))
    throw new PermanentError(detail);
  throw new Error(detail);
}

/** A URL without its path and query, for messages: Slack and many webhooks carry tokens there. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return "(unparsable URL)";
  }
}

/** What every sink is configured with besides its transport: its name, kinds and delivery budget. */
export type SinkSettings = Omit<Sink, "send">;

/** The settings part of a sink's options, as every sink carries them. */
export function sinkSettings(o: SinkSettings): SinkSettings {
  return {
    name: o.name,
    attempts: o.attempts,
    timeoutMs: o.timeoutMs,
    ...(o.kinds ? { kinds: o.kinds } : {}),
  };
}
