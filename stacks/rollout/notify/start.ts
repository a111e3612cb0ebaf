/**
 * The CLI's notifier for one run: sinks from the environment definition (read
 * from the edge stack beside the run, so a slow `pulumi stack output` never
 * delays the first step), the outbox beside the ledger, the run's clock.
 */
import { realClock } from "../adapters/real-clock.js";
import type { BuiltPorts, CliIo } from "../cli/commands/context.js";
import type { CommonOptions } from "../cli/commands/options.js";
import { readNotificationsConfig, sinksFromConfig } from "./config.js";
import { Notifier } from "./notifier.js";
import { OutboxFile, outboxPathFor } from "./outbox.js";
import type { Sink } from "./sinks/sink.js";

/** How long a finished run waits for deliveries still in flight before it exits. */
export const NOTIFY_GRACE_MS = 5_000;

export function outboxPathOf(ports: Pick<BuiltPorts, "ledgerLocation">, o: CommonOptions): string {
  return outboxPathFor({
    ledger: o.ledger,
    ledgerLocation: ports.ledgerLocation,
    projectDir: o.projectDir,
    environment: o.environment,
  });
}

async function configuredSinks(ports: BuiltPorts, o: CommonOptions, io: CliIo): Promise<Sink[]> {
  const config = await readNotificationsConfig(ports.driver, o.edgeStack ?? o.environment);
  if (!config || config.sinks.length === 0) return [];
  const endpoint = o.endpointUrl ?? io.env.AWS_ENDPOINT_URL_SNS ?? io.env.AWS_ENDPOINT_URL;
  return sinksFromConfig(config, {
    env: io.env,
    clock: realClock,
    aws: {
      ...(o.region !== undefined ? { region: o.region } : {}),
      ...(endpoint !== undefined && endpoint !== "" ? { endpoint } : {}),
    },
  });
}

export function startNotifier(
  ports: BuiltPorts,
  o: CommonOptions,
  io: CliIo,
  release: string,
): Notifier {
  return new Notifier({
    ledger: ports.ledger,
    outbox: new OutboxFile(outboxPathOf(ports, o)),
    sinks: configuredSinks(ports, o, io),
    // Deliveries happen in the real world (HTTP, SNS) even when a test drives the rollout on a
    // virtual clock: their timeouts and backoff run on the real one.
    clock: realClock,
    release,
    warn: (line) => io.stderr(`cohort-rollout: ${line}\n`),
  });
}
