/**
 * GraphRecorder: Pulumi mocks that record the whole resource graph of a
 * program, with unique sentinel outputs so a test can trace which resource's
 * output flowed into which input.
 *
 * Reusable (the policy-pack tests use it too):
 *
 *   const recorder = new GraphRecorder({ stack: "dev" });
 *   recorder.install();                 // pulumi.runtime.setMocks + monitor hook
 *   const out = runProgram();           // or new CohortSegmentedService(...)
 *   const graph = await recorder.settle();
 *   graph.resources                     // every registration, in order
 *   graph.owner("arn:sentinel:aws:dynamodb.table:Table/service-free-table")
 *   graph.resources[i].dependencies / .propertyDependencies   // URNs, as the engine receives them
 *
 * Sentinels: a custom resource of type T named N gets `arn` =
 * `arn:sentinel:<T with / as .>/<N>`, `id` = `id:sentinel:…`, `arnSuffix` =
 * `sfx:sentinel:…`, `dnsName`, `keyId` likewise; `name`/`bucket`/`alarmName`
 * echo their input or become `name:sentinel:…`. Every other output echoes the
 * inputs. `graph.referencedIn(value)` finds every resource whose sentinel
 * occurs anywhere in a value (an input, a policy document, a JSON string).
 *
 * Preview mode (`preview: true`): the mock returns only the inputs, so ids and
 * ARNs stay unknown as in a real `pulumi preview`; use timeouts, since an apply
 * on an unknown never runs.
 *
 * Stack references: pass `stackOutputs: { "<ref name>": { edge: {...} } }`.
 * URN parents are captured by hooking the mock monitor's registerResource,
 * because the mocks' newResource callback is not told the parent.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** Parent URN, "" for none. */
  parent: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** URNs this resource depends on (explicit `dependsOn` and those of its input Outputs). */
  dependencies: string[];
  /** Per input property, the URNs its value came from. */
  propertyDependencies: Record<string, string[]>;
}

export interface GraphRecorderOptions {
  project?: string;
  stack?: string;
  preview?: boolean;
  /** Outputs of referenced stacks, by the name passed to `new StackReference(name)`. */
  stackOutputs?: Record<string, Record<string, unknown>>;
  accountId?: string;
  region?: string;
}

const SENTINEL_PATTERN = /sentinel:([A-Za-z0-9:._-]+)\/([A-Za-z0-9._-]+)/g;

export function sentinelToken(type: string, name: string): string {
  return `sentinel:${type.replaceAll("/", ".")}/${name}`;
}

function sentinelOutputs(type: string, name: string, inputs: Record<string, unknown>) {
  const token = sentinelToken(type, name);
  const echo = (key: string) => (typeof inputs[key] === "string" ? inputs[key] : `name:${token}`);
  return {
    id: `id:${token}`,
    state: {
      ...inputs,
      arn: `arn:${token}`,
      arnSuffix: `sfx:${token}`,
      dnsName: `dns:${token}`,
      keyId: `keyid:${token}`,
      name: echo("name"),
      bucket: echo("bucket"),
      alarmName: echo("alarmName"),
    },
  };
}

export class ResourceGraph {
  readonly resources: readonly RecordedResource[];
  private readonly byToken = new Map<string, RecordedResource>();
  private readonly byUrn = new Map<string, RecordedResource>();

  constructor(resources: readonly RecordedResource[], also: readonly ResourceGraph[] = []) {
    this.resources = resources;
    for (const r of [...also.flatMap((g) => g.resources), ...resources]) {
      this.byToken.set(sentinelToken(r.type, r.name), r);
      this.byUrn.set(r.urn, r);
    }
  }

  /** The same graph, able to resolve sentinels of other graphs (e.g. the edge stack's). */
  withReferences(...others: ResourceGraph[]): ResourceGraph {
    return new ResourceGraph(this.resources, others);
  }

  get(urn: string): RecordedResource | undefined {
    return this.byUrn.get(urn);
  }

  ofType(...types: string[]): RecordedResource[] {
    return this.resources.filter((r) => types.includes(r.type));
  }

  /** Every resource whose sentinel occurs anywhere in `value`. */
  referencedIn(value: unknown): RecordedResource[] {
    const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
    const found = new Map<string, RecordedResource>();
    for (const m of text.matchAll(SENTINEL_PATTERN)) {
      const r = this.byToken.get(`sentinel:${m[1]}/${m[2]}`);
      if (r !== undefined) found.set(r.urn, r);
    }
    return [...found.values()];
  }

  /** The single resource a sentinel value (an ARN, id, suffix) came from. */
  owner(value: unknown): RecordedResource | undefined {
    const refs = this.referencedIn(value);
    return refs.length === 1 ? refs[0] : undefined;
  }

  /** Ancestors from the parent upwards. */
  ancestors(resource: RecordedResource): RecordedResource[] {
    const out: RecordedResource[] = [];
    let parent = this.byUrn.get(resource.parent);
    while (parent !== undefined) {
      out.push(parent);
      parent = this.byUrn.get(parent.parent);
    }
    return out;
  }

  duplicateUrns(): string[] {
    const seen = new Set<string>();
    const dups = new Set<string>();
    for (const r of this.resources) (seen.has(r.urn) ? dups : seen).add(r.urn);
    return [...dups];
  }
}

interface MonitorLike {
  registerResource: (
    req: RegisterRequest,
    cb: (err: unknown, resp?: RegisterResponse) => void,
  ) => void;
  readResource: (req: RegisterRequest, cb: (err: unknown, resp?: RegisterResponse) => void) => void;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom?(): boolean;
  getObject?(): { toJavaScript(): Record<string, unknown> };
  getProperties?(): { toJavaScript(): Record<string, unknown> };
  getDependenciesList?(): string[];
  getPropertydependenciesMap?(): {
    forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void;
  };
}
interface RegisterResponse {
  getUrn(): string;
  getObject?(): { toJavaScript(): Record<string, unknown> };
  getProperties?(): { toJavaScript(): Record<string, unknown> };
}

export class GraphRecorder {
  readonly options: Required<Omit<GraphRecorderOptions, "stackOutputs">> & {
    stackOutputs: Record<string, Record<string, unknown>>;
  };
  private readonly recorded: RecordedResource[] = [];
  private inFlight = 0;
  private requests = 0;
  /** Every monitor call, outputs registrations included: settle() waits for it to stop moving. */
  private activity = 0;
  private readonly errors: unknown[] = [];

  constructor(options: GraphRecorderOptions = {}) {
    this.options = {
      project: options.project ?? "cohort-service",
      stack: options.stack ?? "test",
      preview: options.preview ?? false,
      stackOutputs: options.stackOutputs ?? {},
      accountId: options.accountId ?? "111122223333",
      region: options.region ?? "eu-west-1",
    };
  }

  /** How many registrations were requested so far (0 proves nothing was created). */
  get registrations(): number {
    return this.requests;
  }

  install(): this {
    const { project, stack, preview } = this.options;
    const mocks: pulumi.runtime.Mocks = {
      newResource: (args) => {
        // The mock API types inputs as `any`; they are a plain property bag.
        const inputs = args.inputs as Record<string, unknown>;
        if (args.type === "pulumi:pulumi:StackReference") {
          const refName = typeof inputs.name === "string" ? inputs.name : args.name;
          const outputs = this.options.stackOutputs[refName];
          if (outputs === undefined) throw new Error(`no recorded outputs for stack ${refName}`);
          return { id: refName, state: { name: refName, outputs, secretOutputNames: [] } };
        }
        if (!args.custom) return { id: undefined, state: {} };
        if (preview) return { id: undefined, state: { ...inputs } };
        return sentinelOutputs(args.type, args.name, inputs);
      },
      call: (args) => {
        switch (args.token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
              accountId: this.options.accountId,
              arn: `arn:aws:iam::${this.options.accountId}:user/test`,
              userId: "AIDATEST",
              id: this.options.accountId,
            };
          case "aws:index/getRegion:getRegion":
            return {
              region: this.options.region,
              name: this.options.region,
              id: this.options.region,
            };
          default:
            return args.inputs as Record<string, unknown>;
        }
      },
    };
    // setMocks is declared async but its body is synchronous: the mocks are in place on return.
    void pulumi.runtime.setMocks(mocks, project, stack, preview);
    this.hookMonitor();
    return this;
  }

  private hookMonitor(): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
    const wrap = (method: "registerResource" | "readResource") => {
      const original = monitor[method].bind(monitor);
      monitor[method] = (req, cb) => {
        this.inFlight++;
        this.requests++;
        this.activity++;
        original(req, (err, resp) => {
          this.inFlight--;
          if (err !== null && err !== undefined) this.errors.push(err);
          if (resp !== undefined) {
            const inputs = (req.getObject ?? req.getProperties)?.call(req).toJavaScript() ?? {};
            const outputs = (resp.getObject ?? resp.getProperties)?.call(resp).toJavaScript() ?? {};
            const propertyDependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap?.().forEach((deps, key) => {
              propertyDependencies[key] = deps.getUrnsList();
            });
            this.recorded.push({
              urn: resp.getUrn(),
              type: req.getType(),
              name: req.getName(),
              parent: req.getParent(),
              custom: method === "readResource" ? true : (req.getCustom?.() ?? true),
              inputs,
              outputs,
              dependencies: req.getDependenciesList?.() ?? [],
              propertyDependencies,
            });
          }
          cb(err, resp);
        });
      };
    };
    wrap("registerResource");
    wrap("readResource");
    // A component's registerOutputs arrives after its children; a test that moves on before it
    // lands sends it to the NEXT test's mock monitor, which rejects the unknown URN unhandled.
    const outputsMonitor = monitor as unknown as {
      registerResourceOutputs: (req: unknown, cb: (err: unknown, resp?: unknown) => void) => void;
    };
    const registerOutputs = outputsMonitor.registerResourceOutputs.bind(monitor);
    outputsMonitor.registerResourceOutputs = (req, cb) => {
      this.inFlight++;
      this.activity++;
      registerOutputs(req, (err, resp) => {
        this.inFlight--;
        cb(err, resp);
      });
    };
  }

  /** Waits until every registration has completed and no new one starts, then returns the graph. */
  async settle(timeoutMs = 20_000): Promise<ResourceGraph> {
    const started = Date.now();
    let quiet = 0;
    let lastActivity = -1;
    while (quiet < 5) {
      await new Promise((r) => setTimeout(r, 4));
      if (this.inFlight === 0 && this.activity === lastActivity) quiet++;
      else quiet = 0;
      lastActivity = this.activity;
      if (Date.now() - started > timeoutMs) throw new Error("resource registrations never settled");
    }
    if (this.errors.length > 0) throw new AggregateError(this.errors, "a registration failed");
    return new ResourceGraph([...this.recorded]);
  }
}

/** Resolves an Output (or plain value); rejects after `timeoutMs` (an unknown never resolves). */
export function outputValue<T>(value: pulumi.Input<T>, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("output did not resolve")), timeoutMs);
    pulumi.output(value).apply((v) => {
      clearTimeout(timer);
      resolve(v as T);
      return v;
    });
  });
}
