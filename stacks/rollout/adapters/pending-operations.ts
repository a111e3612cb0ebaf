/**
 * Operations an interrupted update left pending in a stack's state, and what
 * may be done about them without a human.
 *
 * The real CLI does not refuse an update over pending operations: it warns,
 * creates a pending-create resource again and keeps the pending entry. So the
 * driver looks for them itself (`stack export`) before it touches a stack:
 * - pending updates and deletes: a refresh reads the resource back; safe.
 * - pending creates: the create may or may not have reached the cloud. Clearing
 *   them (`refresh --clear-pending-creates`) forgets the resource; the next
 *   update creates it again. That is safe for resources named
 *   deterministically (the component's are: a second create of the same name
 *   updates the same object or fails loudly), and never for storage: a second
 *   table beside an orphaned one splits a cohort's data. A pending create of
 *   storage stops the run with the exact commands to run.
 */
import { isStorage } from "../core/data-loss.js";

export interface PendingOperation {
  /** The engine's word: "creating", "updating", "deleting", "reading" or "importing". */
  type: string;
  urn: string;
  resourceType: string;
  /** The provider's id, when the operation had one (never for a create). */
  id?: string;
}

interface ExportedDeployment {
  deployment?: {
    pending_operations?: {
      type: string;
      resource: { urn: string; type: string; id?: string };
    }[];
  };
}

export function pendingOperations(exported: unknown): PendingOperation[] {
  const ops = (exported as ExportedDeployment | undefined)?.deployment?.pending_operations ?? [];
  return ops.map((op) => ({
    type: op.type,
    urn: op.resource.urn,
    resourceType: op.resource.type,
    ...(op.resource.id ? { id: op.resource.id } : {}),
  }));
}

export type PendingPlan =
  | { kind: "none" }
  | { kind: "refresh"; clearPendingCreates: boolean; cleared: PendingOperation[] }
  | { kind: "stop"; reason: string };

/** What to do about a stack's pending operations before driving it. */
export function planForPending(
  stack: string,
  ops: PendingOperation[],
  pulumiArgs = "",
): PendingPlan {
  if (ops.length === 0) return { kind: "none" };
  const creates = ops.filter((op) => op.type === "creating");
  const unsafe = creates.filter((op) => isStorage(op.resourceType));
  if (unsafe.length > 0) {
    const list = unsafe.map((op) => op.urn).join(", ");
    const extra = pulumiArgs ? ` ${pulumiArgs}` : "";
    return {
      kind: "stop",
      reason:
        `an interrupted update of ${stack} left pending creates of storage (${list}); it may exist ` +
        `in the cloud without being in the state. If it exists, adopt it: \`pulumi refresh --stack ${stack}${extra} ` +
        `${unsafe.map((op) => `--import-pending-creates ${op.urn} --import-pending-creates <id>`).join(" ")}\`; if it does not, ` +
        `\`pulumi refresh --stack ${stack}${extra} --clear-pending-creates\`. Then resume.`,
    };
  }
  return { kind: "refresh", clearPendingCreates: creates.length > 0, cleared: creates };
}
