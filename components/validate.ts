/**
 * Synchronous validation of the component's arguments. Runs before the
 * component registers anything, collects every problem (schema issues and
 * cross-cohort rules) and throws them as one CohortSpecError.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CohortSegmentedServiceArgs, EdgeReference, NetworkArgs } from "./args.js";
import { pinSchema, type Pin } from "./contract.js";
import { CohortSpecError, formatPath, hintFor, zodProblems, type SpecProblem } from "./errors.js";
import { cohortNames, edgeNames, namesIn } from "./naming.js";
import { cohortPriority } from "./priority.js";
import {
  cohortSpecSchema,
  containerSpecSchema,
  DEFAULT_BAKE_SECONDS,
  environmentSpecSchema,
  fargateMemoryHint,
  partSchema,
  SHARED_ALB_RULE_QUOTA,
  SHARED_ALB_TARGET_GROUP_QUOTA,
  type CohortSpec,
  type ContainerSpec,
  type EnvironmentSpec,
  type Part,
} from "./spec.js";

export interface ValidatedArgs {
  environment: EnvironmentSpec;
  part: Part;
  /** Cohorts this stack creates, in rollout order. */
  owned: CohortSpec[];
  pins: Map<string, Pin>;
  network: NetworkArgs;
  edge: EdgeReference | undefined;
  container: ContainerSpec;
}

/** Rollout order: criticality ascending, then name. */
export function rolloutOrder(a: { criticality: number; name: string }, b: typeof a): number {
  return a.criticality - b.criticality || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function isInputLike(value: unknown): boolean {
  if (typeof value === "string") return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return pulumi.Output.isInstance(value) || value instanceof Promise;
}

function problem(path: readonly PropertyKey[], text: string, hint?: string): SpecProblem {
  return { path: formatPath(path), problem: text, hint: hint ?? hintFor(path) };
}

function toCohortSpec(raw: ReturnType<typeof cohortSpecSchema.parse>, env: string): CohortSpec {
  const bakeSeconds =
    raw.bakeSeconds ??
    (raw.bakeMinutes !== undefined ? Math.round(raw.bakeMinutes * 60) : DEFAULT_BAKE_SECONDS);
  return {
    name: raw.name,
    criticality: raw.criticality,
    match: raw.match,
    bakeSeconds,
    minIntervalSeconds: raw.minIntervalSeconds,
    priority: cohortPriority(raw),
    ingress: raw.ingress,
    storage: raw.storage,
    stack: raw.stack ?? `${env}.${raw.name}`,
    desiredCount: raw.desiredCount,
    deploymentTimeoutSeconds: raw.deploymentTimeoutSeconds,
    approval: raw.approval,
    approvers: raw.approvers,
  };
}

function parseCohorts(
  rawCohorts: unknown,
  envName: string,
  problems: SpecProblem[],
): { spec: CohortSpec; index: number }[] {
  if (!Array.isArray(rawCohorts)) return [];
  const parsed: { spec: CohortSpec; index: number }[] = [];
  rawCohorts.forEach((raw, index) => {
    const path = ["environment", "cohorts", index];
    const result = cohortSpecSchema.safeParse(raw);
    if (!result.success) {
      problems.push(...zodProblems(path, result.error));
      return;
    }
    const { bakeSeconds, bakeMinutes } = result.data;
    if (
      bakeSeconds !== undefined &&
      bakeMinutes !== undefined &&
      bakeSeconds !== Math.round(bakeMinutes * 60)
    ) {
      problems.push(
        problem([...path, "bakeSeconds"], "bakeSeconds and bakeMinutes disagree", "set only one"),
      );
    }
    if (
      bakeSeconds === undefined &&
      bakeMinutes !== undefined &&
      Math.round(bakeMinutes * 60) < 1
    ) {
      problems.push(
        problem(
          [...path, "bakeMinutes"],
          "rounds to a bake of 0 seconds",
          "a bake of at least 1 second (bakeMinutes >= 0.01)",
        ),
      );
    }
    parsed.push({ spec: toCohortSpec(result.data, envName), index });
  });
  return parsed;
}

/** Cohort names as written (even of cohorts that failed validation), by index. */
function rawNames(rawCohorts: unknown): (string | undefined)[] {
  if (!Array.isArray(rawCohorts)) return [];
  return rawCohorts.map((c: unknown) =>
    typeof c === "object" && c !== null && typeof (c as { name?: unknown }).name === "string"
      ? (c as { name: string }).name
      : undefined,
  );
}

function duplicateNameProblems(names: (string | undefined)[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  names.forEach((name, index) => {
    const first = name === undefined ? -1 : names.indexOf(name);
    if (first >= 0 && first < index) {
      problems.push(
        problem(
          ["environment", "cohorts", index, "name"],
          `duplicate "${name}" (also cohorts[${first}])`,
          "cohort names must be unique within an environment",
        ),
      );
    }
  });
  return problems;
}

/** ALB host matching: case-insensitive, `*` any run of characters, `?` exactly one. */
function hostCovers(pattern: string, host: string): boolean {
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${source}$`).test(host.toLowerCase());
}

function matchKey(spec: CohortSpec): string {
  return `${[...(spec.match.hosts ?? [])].sort().join(",")}|${(spec.match.header ?? "").toLowerCase()}`;
}

/**
 * The ALB sends a request to the first rule (lowest priority) that matches it.
 * A shared cohort's rule must not be evaluated before another's when it would
 * take requests that cohort declares: the same header value (or no header
 * condition) and a host covering one of its hosts (or no host condition).
 */
function shadowProblems(cohorts: { spec: CohortSpec; index: number }[]): SpecProblem[] {
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

/** Rules that span cohorts: unique matches, priorities, stacks; ALB quotas. */
function crossCohortProblems(cohorts: { spec: CohortSpec; index: number }[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const firstBy = (key: string, seen: Map<string, number>, index: number): number | undefined => {
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    return first;
  };
  const matches = new Map<string, number>();
  const priorities = new Map<string, number>();
  const stacks = new Map<string, number>();
  for (const { spec, index } of cohorts) {
    const at = (field: string) => ["environment", "cohorts", index, field];
    const dupMatch = firstBy(matchKey(spec), matches, index);
    if (dupMatch !== undefined) {
      problems.push(
        problem(
          at("match"),
          `same routing match as cohorts[${dupMatch}]`,
          "give every cohort a distinct host and/or header value, or requests could reach the wrong cohort",
        ),
      );
    }
    if (spec.ingress === "shared") {
      const dupPriority = firstBy(String(spec.priority), priorities, index);
      if (dupPriority !== undefined) {
        problems.push(
          problem(
            at("priority"),
            `listener priority ${spec.priority} is also used by cohorts[${dupPriority}]`,
            "set an explicit, unique priority on one of them",
          ),
        );
      }
    }
    const dupStack = firstBy(spec.stack, stacks, index);
    if (dupStack !== undefined) {
      problems.push(
        problem(
          at("stack"),
          `stack "${spec.stack}" also owns cohorts[${dupStack}]`,
          "each cohort needs its own stack",
        ),
      );
    }
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

/** The pinned version becomes the image's tag, or its digest (`repo@sha256:…`). */
const IMAGE_VERSION = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[a-f0-9]{64})$/;

function parsePins(
  rawPins: unknown,
  part: Part,
  owned: string | undefined,
  defined: ReadonlySet<string>,
  problems: SpecProblem[],
): Map<string, Pin> {
  const pins = new Map<string, Pin>();
  if (rawPins === undefined) rawPins = {};
  if (typeof rawPins !== "object" || rawPins === null || Array.isArray(rawPins)) {
    problems.push(
      problem(
        ["pins"],
        "must be a map of cohort name to pin",
        "e.g. { free: { release, version } }",
      ),
    );
    return pins;
  }
  for (const [cohort, raw] of Object.entries(rawPins)) {
    if (!defined.has(cohort)) {
      problems.push(
        problem(
          ["pins", cohort],
          `pin for unknown cohort "${cohort}"`,
          `the environment defines: ${[...defined].join(", ")}`,
        ),
      );
      continue;
    }
    if (part === "cohort" && cohort !== owned) {
      problems.push(
        problem(
          ["pins", cohort],
          `this stack owns cohort "${owned ?? "?"}" only`,
          "a cohort stack holds its own pin and nothing of another cohort",
        ),
      );
      continue;
    }
    const result = pinSchema.safeParse(raw);
    if (!result.success) {
      problems.push(...zodProblems(["pins", cohort], result.error));
      continue;
    }
    if (!IMAGE_VERSION.test(result.data.version)) {
      problems.push(
        problem(
          ["pins", cohort, "version"],
          `"${result.data.version}" is neither an image tag nor a sha256 digest`,
          "a tag of letters, digits, '_', '.', '-' (at most 128, not starting with '.' or '-'), or sha256:<64 hex digits>",
        ),
      );
    }
    pins.set(cohort, result.data);
  }
  const required =
    part === "all" ? [...defined] : part === "cohort" && owned !== undefined ? [owned] : [];
  for (const cohort of required) {
    if (defined.has(cohort) && !Object.hasOwn(rawPins, cohort)) {
      problems.push(
        problem(
          ["pins", cohort],
          `cohort "${cohort}" has no pin`,
          "add { release, version } for it",
        ),
      );
    }
  }
  return pins;
}

/**
 * Pin config values must not name any resource of another cohort (any kind of NAME_RULES, by
 * name or inside its ARN): a cohort's configuration may only reach its own resources.
 */
function crossReferenceProblems(env: EnvironmentSpec, pins: Map<string, Pin>): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const [cohort, pin] of pins) {
    const others = env.cohorts.map((c) => c.name).filter((name) => name !== cohort);
    for (const [key, value] of Object.entries(pin.config)) {
      // A whole name only: "svc-prod-pro-eu-data" does not name cohort "pro"'s table.
      const [hit] = namesIn(value, env.name, others);
      if (hit !== undefined) {
        problems.push(
          problem(
            ["pins", cohort, "config", key],
            `names cohort "${hit.cohort}"'s ${hit.label} "${hit.name}"`,
            "a cohort's configuration may only reference its own resources",
          ),
        );
      }
    }
  }
  return problems;
}

/** A cohort must not take the edge's stack or the edge's physical names. */
function edgeCollisionProblems(
  env: EnvironmentSpec,
  cohorts: { spec: CohortSpec; index: number }[],
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const edgeSecurityGroup = edgeNames(env.name).securityGroup;
  for (const { spec, index } of cohorts) {
    if (spec.stack === env.edgeStack) {
      problems.push(
        problem(
          ["environment", "cohorts", index, "stack"],
          `stack "${spec.stack}" is the edge stack`,
          "a cohort needs a stack of its own, e.g. <environment>.<cohort>",
        ),
      );
    }
    const names = cohortNames(env.name, spec.name);
    if (spec.ingress === "dedicated" && names.loadBalancerSecurityGroup === edgeSecurityGroup) {
      problems.push(
        problem(
          ["environment", "cohorts", index, "name"],
          `a dedicated cohort named "${spec.name}" would name its load balancer's security group "${edgeSecurityGroup}", the edge's`,
          "rename the cohort",
        ),
      );
    }
  }
  return problems;
}

function networkProblems(network: unknown): SpecProblem[] {
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

function edgeProblems(edge: unknown): SpecProblem[] {
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

/** Problems in path order (cohorts[2] before cohorts[10]), so each cohort's read together. */
function byPath(problems: SpecProblem[]): SpecProblem[] {
  return [...problems].sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true }));
}

/** Validates and defaults the args, or throws one CohortSpecError naming every problem. */
export function validateArgs(name: string, args: CohortSegmentedServiceArgs): ValidatedArgs {
  const problems: SpecProblem[] = [];
  const raw = (args ?? {}) as Partial<CohortSegmentedServiceArgs>;

  const partResult = partSchema.safeParse(raw.part ?? "all");
  if (!partResult.success) problems.push(...zodProblems(["part"], partResult.error));
  const part: Part = partResult.success ? partResult.data : "all";

  const envResult = environmentSpecSchema.safeParse(raw.environment);
  if (!envResult.success) problems.push(...zodProblems(["environment"], envResult.error));
  const rawEnv = raw.environment as { name?: unknown; cohorts?: unknown } | undefined;
  const envName = envResult.success
    ? envResult.data.name
    : typeof rawEnv?.name === "string"
      ? rawEnv.name
      : "env";
  const parsedCohorts = parseCohorts(rawEnv?.cohorts, envName, problems);
  const writtenNames = rawNames(rawEnv?.cohorts);
  problems.push(...duplicateNameProblems(writtenNames));
  // A duplicate name is one problem: its second definition is not checked again against the
  // first (same stack, maybe same priority), which would only repeat it in other words.
  problems.push(
    ...crossCohortProblems(
      parsedCohorts.filter((c) => writtenNames.indexOf(c.spec.name) === c.index),
    ),
  );

  const defined = new Map(parsedCohorts.map((c) => [c.spec.name, c.spec]));
  // Names as written: a cohort whose definition is invalid is still not "unknown".
  const known = new Set(writtenNames.filter((n): n is string => n !== undefined));
  if (part === "cohort") {
    if (typeof raw.cohort !== "string" || raw.cohort === "") {
      problems.push(problem(["cohort"], 'is required when part is "cohort"', hintFor(["cohort"])));
    } else if (!known.has(raw.cohort)) {
      problems.push(
        problem(
          ["cohort"],
          `the environment does not define cohort "${raw.cohort}"`,
          `defined cohorts: ${[...known].join(", ")}`,
        ),
      );
    }
  }
  const owned = part === "cohort" ? raw.cohort : undefined;
  const pins = parsePins(raw.pins, part, owned, known, problems);

  const containerResult = containerSpecSchema.safeParse(raw.container ?? {});
  if (!containerResult.success) {
    const cpu = (raw.container as { cpu?: unknown } | null | undefined)?.cpu;
    problems.push(
      ...zodProblems(["container"], containerResult.error).map((p) =>
        p.path === "container.memory"
          ? { ...p, hint: fargateMemoryHint(typeof cpu === "string" ? cpu : "256") }
          : p,
      ),
    );
  }
  problems.push(...networkProblems(raw.network));
  const ownedSpec = owned !== undefined ? defined.get(owned) : undefined;
  if (part === "cohort" && ownedSpec?.ingress === "shared")
    problems.push(...edgeProblems(raw.edge));

  const environment: EnvironmentSpec | undefined = envResult.success
    ? {
        name: envResult.data.name,
        edgeStack: envResult.data.edgeStack ?? envResult.data.name,
        headerName: envResult.data.headerName,
        cohorts: parsedCohorts.map((c) => c.spec).sort(rolloutOrder),
        alarms: envResult.data.alarms,
        ...(envResult.data.notifications !== undefined
          ? { notifications: envResult.data.notifications }
          : {}),
      }
    : undefined;
  if (environment !== undefined) {
    problems.push(...crossReferenceProblems(environment, pins));
    problems.push(...edgeCollisionProblems(environment, parsedCohorts));
  }

  if (problems.length > 0 || environment === undefined || !containerResult.success) {
    throw new CohortSpecError(`CohortSegmentedService "${name}"`, byPath(problems));
  }

  const ownedCohorts =
    part === "all"
      ? environment.cohorts
      : part === "cohort"
        ? environment.cohorts.filter((c) => c.name === owned)
        : [];
  return {
    environment,
    part,
    owned: ownedCohorts,
    pins,
    network: raw.network as NetworkArgs,
    edge: raw.edge,
    container: containerResult.data,
  };
}
