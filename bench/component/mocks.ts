/**
 * Lean Pulumi mocks for the benchmark: every custom resource gets a unique
 * id/ARN/suffix, and registrations are counted by hooking the mock monitor so
 * the run can wait until the whole graph has registered. No inputs are
 * recorded (unlike test/component/support/graph-recorder.ts), so the figures
 * measure the program, not the recorder.
 */
import * as pulumi from "@pulumi/pulumi";

interface MonitorLike {
  registerResource: (req: unknown, cb: (err: unknown, resp?: unknown) => void) => void;
}

export interface RegistrationCounter {
  /** Registrations requested so far. */
  readonly requested: number;
  /** Custom (non-component) resources the mock created. */
  readonly customResources: number;
  /** Resolves once no registration is in flight and none started for a few ticks. */
  settled(timeoutMs?: number): Promise<void>;
}

export function installBenchMocks(project: string, stack: string): RegistrationCounter {
  let requested = 0;
  let inFlight = 0;
  let customResources = 0;
  // setMocks is declared async but its body is synchronous: the mocks are in place on return.
  void pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (!args.custom) return { id: undefined, state: {} };
        customResources++;
        const token = `${args.type}/${args.name}`;
        return {
          id: `id-${token}`,
          state: {
            ...(args.inputs as Record<string, unknown>),
            arn: `arn:bench:${token}`,
            arnSuffix: `sfx/${token}`,
            dnsName: `${args.name}.bench`,
            keyId: `key-${args.name}`,
          },
        };
      },
      call: (args) =>
        args.token === "aws:index/getCallerIdentity:getCallerIdentity"
          ? { accountId: "111122223333" }
          : args.token === "aws:index/getRegion:getRegion"
            ? { region: "eu-west-1", name: "eu-west-1" }
            : (args.inputs as Record<string, unknown>),
    },
    project,
    stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    requested++;
    inFlight++;
    original(req, (err, resp) => {
      inFlight--;
      cb(err, resp);
    });
  };
  return {
    get requested() {
      return requested;
    },
    get customResources() {
      return customResources;
    },
    async settled(timeoutMs = 600_000) {
      const started = Date.now();
      let quiet = 0;
      let last = -1;
      while (quiet < 3) {
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setTimeout(r, 1));
        quiet = inFlight === 0 && requested === last ? quiet + 1 : 0;
        last = requested;
        if (Date.now() - started > timeoutMs) throw new Error("registrations never settled");
      }
    },
  };
}
