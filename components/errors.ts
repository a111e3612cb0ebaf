/**
 * One error for all bad input: every problem with its path and a hint, so a
 * user fixes everything in one pass. Thrown before any resource is created.
 */
import type { z } from "zod";

export interface SpecProblem {
  /** Dotted path with indexes, e.g. `environment.cohorts[2].name`. */
  path: string;
  problem: string;
  hint: string;
}

export class CohortSpecError extends Error {
  readonly problems: readonly SpecProblem[];

  constructor(subject: string, problems: readonly SpecProblem[]) {
    const lines = problems.map((p) => `  - ${p.path}: ${p.problem} (${p.hint})`);
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`${subject}: ${count}; nothing was created.\n${lines.join("\n")}`);
    this.name = "CohortSpecError";
    this.problems = problems;
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Hints for zod's built-in issues, keyed by the last named field in the path. */
const FIELD_HINTS: Record<string, string> = {
  name: "lowercase letters, digits and '-', 1-20 chars, starting with a letter",
  criticality: "an integer >= 0; 0 is the least critical and gets releases first",
  match: "set match.hosts (up to 3 host names) and/or match.header (a literal value)",
  hosts: "up to 3 lowercase host names, e.g. api.example.com",
  header: "a literal header value such as the cohort name; wildcards are not allowed",
  headerName: "an HTTP header name of at most 40 characters",
  priority: "an integer 1-50000, unique per listener",
  ingress: 'either "shared" (rule on the edge ALB) or "dedicated" (own ALB)',
  bakeSeconds: "a positive whole number of seconds",
  bakeMinutes: "a positive number of minutes",
  minIntervalSeconds: "a whole number of seconds >= 0",
  cohorts: "define at least one cohort in the environment",
  errorRatePercent: "a percentage in (0, 100]",
  minRequests: "an integer >= 1",
  latencyP99Seconds: "seconds in (0, 60]",
  periodSeconds: "a multiple of 60 between 60 and 3600 (ALB metrics are 60 s resolution)",
  evaluationPeriods: "an integer 1-10",
  datapointsToAlarm: "an integer 1-10, at most evaluationPeriods",
  warmUpMinutes: "an integer 1-2880",
  image:
    "an image repository without a tag, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop",
  subnetIds: "a non-empty list of subnet ids, or an Output of one",
  loadBalancerSubnetIds:
    "a non-empty list of subnet ids (at least two Availability Zones), or an Output of one",
  version: "the artifact version to run, e.g. an image tag 1.4.2 or a sha256: digest",
  release: "the release id, e.g. 2026-11-21.1 or a git sha",
  config: "a map of string keys to string values",
  part: 'one of "all", "edge", "cohort"',
  cohort: "the name of a cohort the environment defines",
  desiredCount: "an integer 0-1000",
  deploymentTimeoutSeconds: "whole seconds from 60 to 21600 (6 hours)",
  stack: "a Pulumi stack name",
  edgeStack: "a Pulumi stack name",
  approval: '"required" (a release waits for `cohort-rollout approve`) or "none"',
  approvers: "a list of names as given to `cohort-rollout approve --by`",
  sinks: 'a list of sinks of type webhook, slack or sns (README.md, "Notifications")',
  secret:
    "a reference such as env:ROLLOUT_WEBHOOK_SECRET; set the variable where cohort-rollout runs",
  url: "an https URL or a reference such as env:SLACK_WEBHOOK_URL",
  topicArn: "an SNS topic ARN, e.g. arn:aws:sns:eu-west-1:123456789012:rollouts",
  kinds: "notification kinds, e.g. [gate-failed, reverted, revert-failed, needs-human]",
};

/** Hints for one exact path, where the field's usual hint would mislead. */
const PATH_HINTS: Record<string, string> = {
  "environment.name":
    "lowercase letters and digits, 1-20 chars, starting with a letter, e.g. prodeu instead of prod-eu",
};

export function hintFor(
  path: readonly PropertyKey[],
  fallback = "see the args documentation",
): string {
  const exact = PATH_HINTS[path.filter((k) => typeof k === "string").join(".")];
  if (exact !== undefined) return exact;
  for (let i = path.length - 1; i >= 0; i--) {
    const key = path[i];
    if (typeof key === "string" && FIELD_HINTS[key] !== undefined) return FIELD_HINTS[key];
  }
  return fallback;
}

/** Turns zod issues into problems, with `prefix` prepended to each path. */
export function zodProblems(prefix: readonly PropertyKey[], error: z.ZodError): SpecProblem[] {
  // A value of the wrong type gets that one problem: zod still runs the other checks on it
  // (a string given for a list reads as "<=3 characters"), which only mislead.
  const wrongType = new Set(
    error.issues.filter((i) => i.code === "invalid_type").map((i) => formatPath(i.path)),
  );
  return error.issues.flatMap((issue): SpecProblem[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      // The key's own path, and no hint of the object it sits in (that hint is for its value).
      return issue.keys.map((key) => ({
        path: formatPath([...path, key]),
        problem: "unknown key",
        hint: "remove it, or check its spelling against the documented fields",
      }));
    }
    if (issue.code !== "invalid_type" && wrongType.has(formatPath(issue.path))) return [];
    return [{ path: formatPath(path), problem: issue.message, hint: hintFor(path) }];
  });
}

/** One problem at `path`, with the field's usual hint unless `hint` is given. */
export function problem(path: readonly PropertyKey[], text: string, hint?: string): SpecProblem {
  return { path: formatPath(path), problem: text, hint: hint ?? hintFor(path) };
}
