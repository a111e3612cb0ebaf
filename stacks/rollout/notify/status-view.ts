/**
 * What `status` shows of notifications: deliveries that failed (every attempt
 * used, or refused) and deliveries still pending, from the outbox. An outbox
 * that cannot be read is shown as such, never fails `status`.
 */
import type { BuiltPorts } from "../cli/commands/context.js";
import type { CommonOptions } from "../cli/commands/options.js";
import { type Delivery, readDeliveryProblems } from "./outbox.js";
import { outboxPathOf } from "./start.js";

export interface DeliveryView {
  id: string;
  sink: string;
  kind: string;
  release: string;
  attempts: number;
  lastError?: string;
  lastAttemptAt?: string;
}

export interface DeliveriesView {
  outbox: string;
  failed: DeliveryView[];
  pending: DeliveryView[];
  error?: string;
}

function view(d: Delivery): DeliveryView {
  return {
    id: d.notification.id,
    sink: d.sink,
    kind: d.notification.kind,
    release: d.notification.release,
    attempts: d.attempts,
    ...(d.lastError !== undefined ? { lastError: d.lastError } : {}),
    ...(d.lastAttemptAt !== undefined
      ? { lastAttemptAt: new Date(d.lastAttemptAt).toISOString() }
      : {}),
  };
}

export async function deliveriesView(
  ports: Pick<BuiltPorts, "ledgerLocation">,
  o: CommonOptions,
  release: string | undefined,
): Promise<DeliveriesView> {
  const outbox = outboxPathOf(ports, o);
  try {
    const { failed, pending } = await readDeliveryProblems(outbox);
    const mine = (d: Delivery) => release === undefined || d.notification.release === release;
    return {
      outbox,
      failed: failed.filter(mine).map(view),
      pending: pending.filter(mine).map(view),
    };
  } catch (err) {
    return {
      outbox,
      failed: [],
      pending: [],
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

export function deliveryLines(v: DeliveriesView): string[] {
  const lines: string[] = [];
  if (v.error !== undefined) lines.push(`notifications: outbox ${v.outbox} unreadable: ${v.error}`);
  for (const d of v.failed)
    lines.push(
      `notification FAILED: ${d.kind} of ${d.release} to ${d.sink} after ${d.attempts} attempt(s): ${d.lastError ?? "unknown"}`,
    );
  for (const d of v.pending)
    lines.push(
      `notification pending: ${d.kind} of ${d.release} to ${d.sink} (${d.attempts} attempt(s)${d.lastError !== undefined ? `, last: ${d.lastError}` : ""}); the next run retries it`,
    );
  return lines;
}
