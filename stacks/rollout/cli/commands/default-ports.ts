/**
 * The one place the CLI meets the real adapters (adapters/wiring.ts: Pulumi
 * Automation API driver, CloudWatch gate, file or DynamoDB ledger, real
 * clock). Loaded lazily so `--help`, `status` with a test factory, and the
 * decision logic never pay for the Pulumi and AWS SDK imports.
 */
import type { PortsFactory } from "./context.js";

export const defaultPortsFactory: PortsFactory = async (request) => {
  const { createPorts } = await import("../../adapters/wiring.js");
  return createPorts(request);
};
