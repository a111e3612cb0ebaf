/**
 * Synchronous validation of the component's arguments. Runs before the
 * component registers anything, collects every problem (schema issues and
 * cross-cohort rules) and throws them as one CohortSpecError.
 */
import type { CohortSegmentedServiceArgs } from "./args.js";
import { pinSchema, type Pin } from "./contract.js";
import { CohortSpecError, hintFor, problem, zodProblems, type SpecProblem } from "./errors.js";
import { matchKey } from "./match.js";
import { namesIn } from "./naming.js";
import { withCloudflareEdge } from "./cloudflare/platform.js";
import type { IndexedCohort, PlatformBuilder, PlatformInput } from "./platform.js";
import { PLATFORMS } from "./platforms.js";
import { cohortPriority } from "./priority.js";
import {
  cohortSpecSchema,
  DEFAULT_BAKE_SECONDS,
  environmentSpecSchema,
  partSchema,
  platformIdSchema,
  type CohortSpec,
  type EnvironmentSpec,
  type Part,
} from "./spec.js";

export interface ValidatedArgs {
  environment: EnvironmentSpec;
  part: Part;
  /** Cohorts this stack creates, in rollout order. */
  owned: CohortSpec[];
  pins: Map<string, Pin>;
  /** The environment's platform, bound to its validated settings. */
  builder: PlatformBuilder;
}

/** Rollout order: criticality ascending, then name. */
export function rolloutOrder(a: { criticality: number; name: string }, b: typeof a): number {
  return a.criticality - b.criticality || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
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

/** Rules that span cohorts on every platform: unique matches and stacks. */
function crossCohortProblems(cohorts: IndexedCohort[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const firstBy = (key: string, seen: Map<string, number>, index: number): number | undefined => {
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    return first;
  };
  const matches = new Map<string, number>();
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

/** A cohort must not take the edge's stack. */
function edgeStackProblems(env: EnvironmentSpec, cohorts: IndexedCohort[]): SpecProblem[] {
  return cohorts
    .filter(({ spec }) => spec.stack === env.edgeStack)
    .map(({ spec, index }) =>
      problem(
        ["environment", "cohorts", index, "stack"],
        `stack "${spec.stack}" is the edge stack`,
        "a cohort needs a stack of its own, e.g. <environment>.<cohort>",
      ),
    );
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
  const distinct = parsedCohorts.filter((c) => writtenNames.indexOf(c.spec.name) === c.index);
  problems.push(...crossCohortProblems(distinct));

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

  const environment: EnvironmentSpec | undefined = envResult.success
    ? {
        name: envResult.data.name,
        platform: envResult.data.platform,
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
    problems.push(...edgeStackProblems(environment, parsedCohorts));
  }

  // The platform checks its own args and rules even when the environment failed, so one
  // error still names every problem.
  const rawPlatform = platformIdSchema.safeParse(
    (raw.environment as { platform?: unknown } | undefined)?.platform ?? "aws",
  );
  const platform = PLATFORMS[environment?.platform ?? rawPlatform.data ?? "aws"];
  const defined = new Map(parsedCohorts.map((c) => [c.spec.name, c.spec]));
  const platformInput: PlatformInput = {
    args: raw as CohortSegmentedServiceArgs,
    environment,
    cohorts: distinct,
    part,
    owned: owned !== undefined ? defined.get(owned) : undefined,
  };
  const prepared = platform.prepare(platformInput);
  problems.push(...prepared.problems);
  // An edge in front of the platform (Cloudflare) wraps its builder; its problems join too.
  const edged = withCloudflareEdge(platformInput, prepared.builder);
  problems.push(...edged.problems);

  if (problems.length > 0 || environment === undefined || edged.builder === undefined) {
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
    builder: edged.builder,
  };
}
