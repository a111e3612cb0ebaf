import * as pulumi from "@pulumi/pulumi";
import { realisticMocks } from "./mocks.js";

/**
 * One resource registration, as the Pulumi SDK sent it to the (mock) engine.
 *
 * How dependencies are recovered: `setMocks` hands the mock only the inputs, but the SDK itself
 * has already computed `dependencies` and `propertyDependencies` (from which resources each
 * input's Outputs came) and put them on the RegisterResourceRequest. We wrap the MockMonitor's
 * `registerResource` and copy them from the request, together with the serialized inputs (in
 * preview these carry the engine's unknown sentinels) and the state the mock answered with.
 * So dependency information is the SDK's own, not a reconstruction by value matching.
 */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string | undefined;
  provider: string | undefined;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  /** Inputs as serialized on the wire (JSON form of the request's Struct). */
  inputs: Record<string, unknown>;
  /** The state the engine returned: outputs after "create" (inputs only in preview). */
  state: Record<string, unknown>;
}

export interface RecordOptions {
  preview?: boolean;
  project?: string;
  stack?: string;
  /** Full config keys, e.g. `{ "project:environment": "dev" }`. */
  config?: Record<string, string>;
  /** Outputs served to `new StackReference(name)`, by name. */
  stackOutputs?: Record<string, Record<string, unknown>>;
}

/** Structural view of the protobuf request/response we read (the generated types are CJS-only). */
interface StructLike {
  toJavaScript(): Record<string, unknown>;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getObject(): StructLike | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void;
  };
}
interface RegisterResponse {
  getUrn(): string;
  getObject(): StructLike | undefined;
}
type Callback = (err: unknown, res?: RegisterResponse) => void;
interface MonitorLike {
  registerResource(req: RegisterRequest, cb: Callback): Promise<void> | void;
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `program` under Pulumi's mocks and returns every resource it registered. Resolves when
 * no registration has been in flight for a while (programs register from async callbacks).
 */
export async function recordProgram(
  program: () => unknown,
  options: RecordOptions = {},
): Promise<RecordedResource[]> {
  const preview = options.preview ?? false;
  const project = options.project ?? "project";
  await pulumi.runtime.setMocks(
    realisticMocks(preview, options.stackOutputs),
    project,
    options.stack ?? "stack",
    preview,
  );
  pulumi.runtime.setAllConfig(options.config ?? {});
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const original = monitor.registerResource.bind(monitor);
  const records: RecordedResource[] = [];
  let inFlight = 0;
  let started = 0;
  let failure: unknown;
  monitor.registerResource = (req, cb) => {
    inFlight++;
    started++;
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v, k) => {
      propertyDependencies[k] = v.getUrnsList();
    });
    const base = {
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent() || undefined,
      provider: req.getProvider() || undefined,
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      inputs: req.getObject()?.toJavaScript() ?? {},
    };
    return original(req, (err, res) => {
      inFlight--;
      if (err) failure = err;
      else if (res)
        records.push({ ...base, urn: res.getUrn(), state: res.getObject()?.toJavaScript() ?? {} });
      cb(err, res);
    });
  };
  await program();
  let quietRounds = 0;
  let lastStarted = -1;
  for (let i = 0; i < 2000 && quietRounds < 5; i++) {
    await settle(5);
    quietRounds = inFlight === 0 && started === lastStarted ? quietRounds + 1 : 0;
    lastStarted = started;
  }
  if (failure) throw failure instanceof Error ? failure : new Error(JSON.stringify(failure));
  const urns = new Set<string>();
  for (const r of records) {
    if (urns.has(r.urn)) throw new Error(`duplicate URN recorded: ${r.urn}`);
    urns.add(r.urn);
  }
  return records;
}
