import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import type { RecordedResource } from "./recorder.js";
import {
  policyDeserialize,
  policyProxy,
  RESOURCE_REFERENCE_SIG,
  SIG_KEY,
  Struct,
} from "./internals.js";

/** Thrown by `notApplicable`, as the real runtime throws its NotApplicableError. */
export class NotApplicableSentinel extends Error {}

/**
 * The engine hands analyzers resource references as the referenced resource's id (custom
 * resources) or URN (components); @pulumi/policy's deserializer rejects the raw reference form.
 */
export function wireProps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(wireProps);
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === RESOURCE_REFERENCE_SIG)
      return obj["id"] !== undefined && obj["id"] !== "" ? obj["id"] : obj["urn"];
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, wireProps(v)]));
  }
  return value;
}

/** Props for stack analysis: outputs after an update; planned (input) values during preview. */
export function stackWireProps(r: RecordedResource, preview: boolean): Record<string, unknown> {
  return wireProps(preview ? r.inputs : r.state) as Record<string, unknown>;
}

/** Exactly what the policy server does with a Struct: deserialize, then wrap in the unknown proxy. */
function policyProps(wire: Record<string, unknown>): Record<string, unknown> {
  return policyProxy.unknownCheckingProxy(
    policyDeserialize.deserializeProperties(Struct.fromJavaScript(wire), false),
  );
}

type TypeCarrier = { __pulumiType?: string; isInstance?: (o: unknown) => boolean };
function isTypeOf(type: string, cls: unknown): boolean {
  const carrier = cls as TypeCarrier;
  if (typeof carrier.__pulumiType === "string") return carrier.__pulumiType === type;
  return carrier.isInstance?.({ __pulumiType: type }) === true;
}

const opts = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function notApplicable(reason?: string): never {
  throw new NotApplicableSentinel(reason ?? "not applicable");
}

export function stackArgs(
  records: readonly RecordedResource[],
  preview: boolean,
  config: object,
): StackValidationArgs {
  const byUrn = new Map<string, PolicyResource>();
  const resources = records.map((r) => {
    const props = policyProps(stackWireProps(r, preview));
    const resource: PolicyResource = {
      type: r.type,
      name: r.name,
      urn: r.urn,
      props,
      opts: { ...opts, ...(r.parent ? { parent: r.parent } : {}) },
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => isTypeOf(r.type, cls),
      // asType must hand back the props typed as the class; the cast is the API's own contract.
      asType: ((cls: unknown) =>
        isTypeOf(r.type, cls) ? props : undefined) as PolicyResource["asType"],
    };
    byUrn.set(r.urn, resource);
    return resource;
  });
  records.forEach((r, i) => {
    const resource = resources[i];
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    if (parent) resource.parent = parent;
    resource.dependencies = r.dependencies.flatMap((u) => byUrn.get(u) ?? []);
    for (const [k, urns] of Object.entries(r.propertyDependencies)) {
      resource.propertyDependencies[k] = urns.flatMap((u) => byUrn.get(u) ?? []);
    }
  });
  return {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

export function resourceArgs(r: RecordedResource, config: object): ResourceValidationArgs {
  const props = policyProps(wireProps(r.inputs) as Record<string, unknown>);
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props,
    opts: { ...opts, ...(r.parent ? { parent: r.parent } : {}) },
    stackTags: new Map(),
    isType: (cls) => isTypeOf(r.type, cls),
    asType: ((cls: unknown) =>
      isTypeOf(r.type, cls) ? props : undefined) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}
