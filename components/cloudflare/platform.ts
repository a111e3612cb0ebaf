/**
 * The Cloudflare edge behind the platform seam (../platform.ts): a decorator over the
 * environment's platform builder (AWS or Kubernetes). Its args are `cloudflare`,
 * `cloudflareSecret`, `cloudflareRoutesNamespaceId` and `cloudflareRanges`. The edge stack
 * gets the platform's edge, then the Cloudflare singletons (routing Worker or zone Rulesets)
 * as children of the same Edge component; each cohort stack gets the platform's cohort, then
 * that cohort's hostname (record or load balancer) and route entry, pointing at that
 * cohort's own front door only. Without `cloudflare` the platform's builder is returned as is.
 */
import * as pulumi from "@pulumi/pulumi";
import { formatPath, type SpecProblem } from "../errors.js";
import type { PlatformBuilder, PlatformInput } from "../platform.js";
import type { PlatformId } from "../spec.js";
import { createCloudflareCohort } from "./cohort.js";
import { createCloudflareEdge } from "./edge.js";
import { cloudflareRangesProblems } from "./origin-lock.js";
import { originMatchProblems } from "./origin-match.js";
import type { CloudflareEdgeSpec } from "./schema.js";
import { cloudflareEdgeProblems } from "./validate.js";
import { routerNeedsSecret } from "./worker.js";

function problem(path: readonly PropertyKey[], text: string, hint: string): SpecProblem {
  return { path: formatPath(path), problem: text, hint };
}

/** The platform as the raw args name it, for when the environment did not parse. */
function platformAsWritten(input: PlatformInput): PlatformId {
  // The raw args may lack an environment: the core reports that, this must not crash on it.
  const raw = (input.args.environment as { platform?: unknown } | undefined)?.platform;
  return raw === "kubernetes" ? "kubernetes" : "aws";
}

/** Problems of the arguments around the edge: its secret, namespace, ranges and origins. */
function wiringProblems(input: PlatformInput, spec: CloudflareEdgeSpec | undefined): SpecProblem[] {
  const { args, part } = input;
  const platform = input.environment?.platform ?? platformAsWritten(input);
  const problems: SpecProblem[] = [];
  if (args.cloudflareRanges !== undefined) {
    problems.push(
      ...(platform === "aws"
        ? cloudflareRangesProblems(args.cloudflareRanges, ["cloudflareRanges"])
        : [
            problem(
              ["cloudflareRanges"],
              "applies to AWS load balancers only",
              "on Kubernetes restrict the Gateway's load balancer source ranges in its Service",
            ),
          ]),
    );
  }
  // Routing as written, so a missing secret is reported even when the edge has other problems.
  const written = (args.cloudflare as { routing?: unknown } | undefined)?.routing;
  if ((spec?.routing ?? written) === "worker") {
    const source = spec?.cohortSource;
    if (part !== "cohort" && args.cloudflareSecret === undefined && routerNeedsSecret(source)) {
      problems.push(
        problem(
          ["cloudflareSecret"],
          "is required with Worker routing",
          "give the cookie signing key, the upstream's shared secret or the HS256 key as a secret (config.requireSecret)",
        ),
      );
    }
    if (part === "cohort" && args.cloudflareRoutesNamespaceId === undefined) {
      problems.push(
        problem(
          ["cloudflareRoutesNamespaceId"],
          "is required with Worker routing in a cohort stack",
          "read the edge stack's edge.routesNamespaceId by stack reference",
        ),
      );
    }
  }
  if (
    platform === "kubernetes" &&
    part !== "edge" &&
    args.kubernetes?.gateway?.address === undefined
  ) {
    problems.push(
      problem(
        ["kubernetes", "gateway", "address"],
        "is required with a Cloudflare edge",
        "give the Gateway's public IP (an A record) or DNS name (a CNAME)",
      ),
    );
  }
  return problems;
}

/**
 * Validates the Cloudflare args against the environment's cohorts and, when they are valid,
 * wraps the platform's builder. Pure: creates nothing.
 * @param input what the platform's prepare got.
 * @param inner the platform's builder (undefined when the platform's own args failed).
 */
export function withCloudflareEdge(
  input: PlatformInput,
  inner: PlatformBuilder | undefined,
): { problems: SpecProblem[]; builder: PlatformBuilder | undefined } {
  const { args } = input;
  if (args.cloudflare === undefined) {
    return {
      problems:
        args.cloudflareRanges !== undefined
          ? [
              problem(
                ["cloudflareRanges"],
                "is given without a Cloudflare edge",
                "add `cloudflare`, or drop the ranges: they would lock the origin to nobody's edge",
              ),
            ]
          : [],
      builder: inner,
    };
  }
  // Rollout order when the environment parsed (hostname conflicts name the later cohort).
  const names = (input.environment?.cohorts ?? input.cohorts.map((c) => c.spec)).map((c) => c.name);
  const { spec, problems } = cloudflareEdgeProblems(args.cloudflare, names, ["cloudflare"]);
  problems.push(...wiringProblems(input, spec));
  if (spec !== undefined) {
    const platform = input.environment?.platform ?? platformAsWritten(input);
    problems.push(...originMatchProblems(input.cohorts, platform, spec));
  }
  const builder =
    problems.length === 0 && spec !== undefined && inner !== undefined
      ? cloudflareBuilder(inner, spec, args.cloudflareSecret, args.cloudflareRoutesNamespaceId)
      : undefined;
  return { problems, builder };
}

function cloudflareBuilder(
  inner: PlatformBuilder,
  spec: CloudflareEdgeSpec,
  secret: pulumi.Input<string> | undefined,
  givenNamespaceId:
    pulumi.Input<string> | ((edgeStack: string) => pulumi.Input<string>) | undefined,
): PlatformBuilder {
  // Single-stack mode: the cohorts created after the edge use the namespace it created.
  let routesNamespaceId = givenNamespaceId;
  return {
    createEdge(logical, environment, parent) {
      const built = inner.createEdge(logical, environment, parent);
      const edge = createCloudflareEdge(
        logical,
        {
          spec,
          prefix: `svc-${environment.name}`,
          ...(secret !== undefined ? { secret: pulumi.secret(secret) } : {}),
        },
        { parent },
      );
      const namespaceId = edge.outputs.routesNamespaceId;
      if (namespaceId !== undefined) routesNamespaceId = namespaceId;
      return {
        outputs: {
          ...built.outputs,
          ...(namespaceId !== undefined ? { routesNamespaceId: namespaceId } : {}),
        },
      };
    },
    createCohort(scope) {
      const built = inner.createCohort(scope);
      // A reader is asked here, after validation, once (as the EdgeReader of args.ts).
      if (typeof routesNamespaceId === "function")
        routesNamespaceId = routesNamespaceId(scope.environment.edgeStack);
      if (built.origin === undefined) {
        // Validation requires the origin wherever a platform cannot know it.
        throw new pulumi.ResourceError(
          `cohort ${scope.cohort.name}: the platform gave no origin for Cloudflare`,
          scope.parent,
        );
      }
      const cohort = createCloudflareCohort(
        scope.logical,
        {
          spec,
          environment: scope.environment.name,
          cohort: scope.cohort.name,
          origins: [built.origin.address],
          originType: built.origin.type,
          ...(routesNamespaceId !== undefined ? { routesNamespaceId } : {}),
        },
        { parent: scope.parent },
      );
      return { ...built, endpointHost: cohort.hostname };
    },
  };
}
