import type {
  EnforcementLevel,
  Policies,
  ReportViolation,
  ResourceValidation,
  StackValidationPolicy,
} from "@pulumi/policy";
import { policies as packPolicies } from "../../../policies/shared-nothing/policies.js";
import { NotApplicableSentinel, resourceArgs, stackArgs } from "./graph-args.js";
import { policyProxy } from "./internals.js";
import type { RecordedResource } from "./recorder.js";

export interface Violation {
  policy: string;
  level: EnforcementLevel;
  urn: string | undefined;
  /** Logical name of the resource, from the URN's last segment. */
  resource: string | undefined;
  message: string;
}

export interface PackRun {
  violations: Violation[];
  /** Policies the runtime would have downgraded to "can't run during preview". */
  cantRun: string[];
}

/** Per-policy config as the CLI passes it: the rule's properties plus `enforcementLevel`. */
export type PackConfig = Record<
  string,
  Record<string, unknown> & { enforcementLevel?: EnforcementLevel }
>;

export function resourceNameOf(urn: string | undefined): string | undefined {
  return urn?.split("::").pop();
}

function isStackPolicy(p: Policies[number]): p is StackValidationPolicy {
  return "validateStack" in p;
}

/**
 * Runs the pack's policies in-process over a recorded graph, the way the analyzer server does:
 * enforcement levels from config, stack policies once over all resources, resource policies once
 * per resource on its inputs, unknown-value reads turned into "can't run" rather than errors.
 */
export async function runPack(
  records: readonly RecordedResource[],
  options: { preview?: boolean; config?: PackConfig; policies?: Policies } = {},
): Promise<PackRun> {
  const preview = options.preview ?? false;
  const violations: Violation[] = [];
  const cantRun: string[] = [];
  for (const p of options.policies ?? packPolicies) {
    const { enforcementLevel: configured, ...config } = options.config?.[p.name] ?? {};
    const level = configured ?? p.enforcementLevel ?? "mandatory";
    if (level === "disabled") continue;
    // Like the analyzer server: a violation has a URN only when the rule passes one.
    const report: ReportViolation = (message, urn) => {
      violations.push({ policy: p.name, level, urn, resource: resourceNameOf(urn), message });
    };
    const guard = async (fn: () => Promise<void> | void): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        if (e instanceof policyProxy.UnknownValueError) cantRun.push(`${p.name}: ${e.message}`);
        else if (!(e instanceof NotApplicableSentinel)) throw e;
      }
    };
    if (isStackPolicy(p)) {
      await guard(() => p.validateStack(stackArgs(records, preview, config), report));
      continue;
    }
    const validations: ResourceValidation[] = p.validateResource
      ? Array.isArray(p.validateResource)
        ? p.validateResource
        : [p.validateResource]
      : [];
    for (const r of records) {
      for (const v of validations) await guard(() => v(resourceArgs(r, config), report));
    }
  }
  return { violations, cantRun };
}
