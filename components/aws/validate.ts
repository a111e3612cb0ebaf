/**
 * The AWS platform's own validation: its arguments (network, edge reference, container) and
 * the rules of an ALB listener shared by cohorts (unique priorities, no rule shadowing a later
 * one, the ALB's quotas, no name clash with the edge). Pure: returns problems, creates nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { problem, zodProblems, type SpecProblem } from "../errors.js";
import { hostCovers, matchKey } from "../match.js";
import { cohortNames, edgeNames } from "../naming.js";
import type { IndexedCohort } from "../platform.js";
import type { EnvironmentSpec } from "../spec.js";
import {
  containerSpecSchema,
  fargateMemoryHint,
  SHARED_ALB_RULE_QUOTA,
  SHARED_ALB_TARGET_GROUP_QUOTA,
  type ContainerSpec,
} from "./spec.js";

function isInputLike(value: unknown): boolean {
  if (typeof value === "string") return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return pulumi.Output.isInstance(value) || value instanceof Promise;
}

/**
 * The ALB sends a request to the first rule (lowest priority) that matches it.
 * A shared cohort's rule must not be evaluated before another's when it would
 * take requests that cohort declares: the same header value (or no header
 * condition) and a host covering one of its hosts (or no host condition).
 */
function shadowProblems(cohorts: IndexedCohort[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const shared = cohorts
    .filter((c) => c.spec.ingress === "shared")
    .sort((a, b) => a.spec.priority - b.spec.priority);
  shared.forEach((later, i) => {
    const { hosts, header } = later.spec.match;
    for (const first of shared.slice(0, i)) {
      const m = first.spec.match;
      if (
        first.spec.priority === later.spec.priority ||
        matchKey(first.spec) === matchKey(later.spec)
      )
        continue; // reported as a duplicate priority or match already
      if (m.header !== undefined && m.header.toLowerCase() !== header?.toLowerCase()) continue;
      let taken: string;
      if (m.hosts === undefined) {
        if (hosts === undefined) continue;
        taken = `header value "${header ?? ""}"`;
      } else {
        const firstHosts = m.hosts;
        const covered = (hosts ?? []).filter((h) => firstHosts.some((p) => hostCovers(p, h)));
        if (covered.length === 0) continue;
        taken = `host ${covered.map((h) => `"${h}"`).join(", ")}`;
      }
      problems.push(
        problem(
          ["environment", "cohorts", later.index, "match"],
          `requests for its ${taken} reach cohorts[${first.index}] ("${first.spec.name}", priority ${first.spec.priority}) first: its listener rule (priority ${later.spec.priority}) is evaluated later`,
          "make the matches disjoint, or give the more specific cohort the lower explicit priority",
        ),
      );
    }
  });
  return problems;
}

/** Rules of the shared listener: unique priorities, no shadowing, the ALB's quotas. */
export function listenerProblems(cohorts: IndexedCohort[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const priorities = new Map<number, number>();
  for (const { spec, index } of cohorts) {
    if (spec.ingress !== "shared") continue;
    const first = priorities.get(spec.priority);
    if (first === undefined) {
      priorities.set(spec.priority, index);
      continue;
    }
    problems.push(
      problem(
        ["environment", "cohorts", index, "priority"],
        `listener priority ${spec.priority} is also used by cohorts[${first}]`,
        "set an explicit, unique priority on one of them",
      ),
    );
  }
  problems.push(...shadowProblems(cohorts));
  const shared = cohorts.filter((c) => c.spec.ingress === "shared").length;
  const quota = Math.min(SHARED_ALB_RULE_QUOTA, SHARED_ALB_TARGET_GROUP_QUOTA);
  if (shared > quota) {
    problems.push(
      problem(
        ["environment", "cohorts"],
        `${shared} cohorts share one load balancer, but an ALB allows ${SHARED_ALB_RULE_QUOTA} listener rules and ${SHARED_ALB_TARGET_GROUP_QUOTA} target groups`,
        "mark some cohorts `ingress: dedicated` or split the environment",
      ),
    );
  }
  return problems;
}

/** A dedicated cohort must not take the edge's physical names. */
export function edgeNameProblems(env: EnvironmentSpec, cohorts: IndexedCohort[]): SpecProblem[] {
  const edgeSecurityGroup = edgeNames(env.name).securityGroup;
  return cohorts
    .filter(
      ({ spec }) =>
        spec.ingress === "dedicated" &&
        cohortNames(env.name, spec.name).loadBalancerSecurityGroup === edgeSecurityGroup,
    )
    .map(({ spec, index }) =>
      problem(
        ["environment", "cohorts", index, "name"],
        `a dedicated cohort named "${spec.name}" would name its load balancer's security group "${edgeSecurityGroup}", the edge's`,
        "rename the cohort",
      ),
    );
}

export function networkProblems(network: unknown): SpecProblem[] {
  if (typeof network !== "object" || network === null) {
    return [problem(["network"], "is required", "pass vpcId, subnetIds and certificateArn")];
  }
  const n = network as Record<string, unknown>;
  const problems = (["vpcId", "subnetIds", "certificateArn"] as const)
    .filter((key) => !isInputLike(n[key]))
    .map((key) =>
      problem(
        ["network", key],
        "is required",
        key === "subnetIds"
          ? "a non-empty list of private subnet ids, or an Output of one"
          : "a value or an Output from your networking stack",
      ),
    );
  // A plain string where a list belongs would reach the provider as a wrongly typed value.
  for (const key of ["subnetIds", "loadBalancerSubnetIds"] as const) {
    const value = n[key];
    if (key === "loadBalancerSubnetIds" && value === undefined) continue;
    if (typeof value === "string" && value !== "") {
      problems.push(problem(["network", key], "must be a list of subnet ids, not a string"));
    } else if (key === "loadBalancerSubnetIds" && !isInputLike(value)) {
      problems.push(problem(["network", key], "must not be empty when set"));
    }
  }
  if (n.internal !== undefined && typeof n.internal !== "boolean") {
    problems.push(
      problem(["network", "internal"], "must be true or false", "true for internal load balancers"),
    );
  }
  return problems;
}

export function edgeProblems(edge: unknown): SpecProblem[] {
  // A reader is called after validation; what it returns is typed by EdgeReader.
  if (typeof edge === "function") return [];
  const keys = ["listenerArn", "loadBalancerArnSuffix", "securityGroupId", "dnsName"] as const;
  if (typeof edge !== "object" || edge === null) {
    return [
      problem(
        ["edge"],
        "is required for a shared-ingress cohort stack",
        "read the edge stack's `edge` output by stack reference",
      ),
    ];
  }
  const e = edge as Record<string, unknown>;
  return keys
    .filter((key) => !isInputLike(e[key]))
    .map((key) => problem(["edge", key], "is required", "from the edge stack's `edge` output"));
}

/** The container settings, or their problems (with Fargate's memory sizes as the hint). */
export function parseContainer(raw: unknown): {
  container: ContainerSpec | undefined;
  problems: SpecProblem[];
} {
  const result = containerSpecSchema.safeParse(raw ?? {});
  if (result.success) return { container: result.data, problems: [] };
  const cpu = (raw as { cpu?: unknown } | null | undefined)?.cpu;
  return {
    container: undefined,
    problems: zodProblems(["container"], result.error).map((p) =>
      p.path === "container.memory"
        ? { ...p, hint: fargateMemoryHint(typeof cpu === "string" ? cpu : "256") }
        : p,
    ),
  };
}
