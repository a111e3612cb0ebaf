/**
 * The fast project's probe filter (test/support/pulumi-stack-probes.ts): Pulumi's own stack
 * probes go unformatted, so a resource reaches the mocks without a source position; every
 * other error keeps its source-mapped frames.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";

interface SourcePosition {
  getUri(): string;
}
interface RegisterRequest {
  getName(): string;
  getSourceposition(): SourcePosition | undefined;
}
interface MonitorLike {
  registerResource(req: RegisterRequest, cb: (err: unknown, resp?: unknown) => void): void;
}

/** A resource class as providers define them: the SDK takes the position of its caller. */
class Thing extends pulumi.CustomResource {
  /** @param name the resource's name */
  constructor(name: string) {
    super("probes:index:Thing", name, {});
  }
}

/**
 * Registers one custom resource under mocks and resolves with the source position the SDK
 * sent for it (undefined: none).
 *
 * @param name the resource's name
 */
async function positionSentFor(name: string): Promise<string | undefined> {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: {} }),
      call: () => ({}),
    },
    "probes",
    "test",
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const original = monitor.registerResource.bind(monitor);
  const sent = new Promise<string | undefined>((resolve) => {
    monitor.registerResource = (req, cb) => {
      if (req.getName() === name) resolve(req.getSourceposition()?.getUri());
      original(req, cb);
    };
  });
  new Thing(name);
  const uri = await sent;
  await pulumi.runtime.disconnect();
  return uri;
}

describe("Pulumi's stack probes in the fast project", () => {
  it("are not formatted: a resource reaches the mocks without a source position", async () => {
    expect(await positionSentFor("filtered")).toBeUndefined();
  });

  it("would carry this file's position if they were formatted (the control)", async () => {
    // Put back as it was; V8 calls it as a plain function, so no `this` is lost.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const filter = Error.prepareStackTrace;
    // V8's own format: the SDK parses it into the resource's source position.
    Reflect.deleteProperty(Error, "prepareStackTrace");
    try {
      expect(await positionSentFor("formatted")).toMatch(/pulumi-stack-probes\.test\.ts$/);
    } finally {
      Error.prepareStackTrace = filter;
    }
  });

  it("leave every other error its source-mapped frames, one without a message too", () => {
    const callsites = (): string | undefined => new Error().stack;
    const frames = (callsites() ?? "").split("\n");
    expect(frames[0]).toMatch(/^Error/);
    expect(frames[1]).toMatch(/at callsites \(.*pulumi-stack-probes\.test\.ts:\d+:\d+\)$/);
    expect(new Error("boom").stack).toMatch(/^Error: boom\n\s+at .*pulumi-stack-probes\.test\.ts/);
  });
});
