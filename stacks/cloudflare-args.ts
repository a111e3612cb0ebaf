/**
 * The example program's Cloudflare args, and the Kubernetes settings of the Cloudflare edge's
 * Kubernetes example. An environment file either holds the environment alone
 * (stacks/environments/prod.yaml) or wraps it with the component args every stack of the
 * environment shares (stacks/environments/examples/cloudflare.yaml, cloudflare-k8s.yaml):
 *
 *   environment: { name, cohorts, ... }
 *   cloudflare: { accountId, zone, routing, hostname, ... }     # CohortSegmentedServiceArgs
 *   cloudflareRanges: { ipv4: [...], ipv6: [...] }
 *   kubernetes: { clusterName, clusterCidrs, gateway, ... }   # platform: kubernetes
 *
 * Per stack, from config (namespace `cohort-service`): `cloudflareSecret` (a secret: the cookie
 * signing key, the upstream's shared secret or the HS256 key; edge stack, Worker routing), and
 * `cloudflareRoutesNamespaceId` (cohort stacks, Worker routing; default: the edge stack's
 * exported edge.routesNamespaceId, read by the component once the args are valid).
 * Only the component's public surface (components/index.ts) is used here.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CohortSegmentedServiceArgs, Part, SpecProblem } from "../components/index.js";

/** The component args an environment file may hold besides `environment`. */
export const FILE_ARGS = ["cloudflare", "cloudflareRanges", "kubernetes"] as const;
type FileArgs = Pick<CohortSegmentedServiceArgs, (typeof FILE_ARGS)[number]>;

/** An environment file, read. */
export interface EnvironmentFile {
  /** The environment definition (validated by the component). */
  environment: unknown;
  /** The args the file gives besides the environment. */
  args: FileArgs;
  /** Whether the environment is under `environment:` (problem paths then say so). */
  wrapped: boolean;
  /** Top-level keys that are neither `environment` nor one of FILE_ARGS. */
  problems: SpecProblem[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Splits an environment file into the environment and the file's args.
 * @param content the parsed file.
 * @param source where it was read from, for problem paths (e.g. stacks/environments/x.yaml).
 */
export function readEnvironmentFile(content: unknown, source: string): EnvironmentFile {
  if (!isRecord(content) || !isRecord(content["environment"])) {
    return { environment: content, args: {}, wrapped: false, problems: [] };
  }
  const problems: SpecProblem[] = Object.keys(content)
    .filter((k) => k !== "environment" && !(FILE_ARGS as readonly string[]).includes(k))
    .map((k) => ({
      path: `${source}:${k}`,
      problem: "is not read by the program",
      hint: `an environment file holds environment and, optionally, ${FILE_ARGS.join(", ")}`,
    }));
  // Passed as written: the component validates them, with every other problem.
  const args = Object.fromEntries(
    FILE_ARGS.filter((k) => content[k] !== undefined).map((k) => [k, content[k]]),
  ) as FileArgs;
  return { environment: content["environment"], args, wrapped: true, problems };
}

/**
 * Where a component problem path lives when the file is wrapped: `environment.…` and the
 * file's args are keys of the file, present or not (only the file can give them, so a missing
 * `kubernetes` is the file's problem); undefined for every other path (a config key).
 */
export function wrappedFilePath(path: string, file: EnvironmentFile): string | undefined {
  if (!file.wrapped) return undefined;
  const top = /^[A-Za-z]+/.exec(path)?.[0] ?? "";
  return top === "environment" || (FILE_ARGS as readonly string[]).includes(top) ? path : undefined;
}

/**
 * The stack's Cloudflare args: the file's, the secret from config and, in a cohort stack with
 * Worker routing, the edge's route-entry namespace.
 * @param config the program's config (namespace cohort-service).
 * @param part the stack's part.
 * @param file the environment file, read.
 * @param edgeOutput reads one of the edge stack's exported `edge` fields, given the validated
 *   edge stack name; the component calls it only once the args are valid, so bad args fail
 *   before the stack reference is registered.
 */
export function cloudflareStackArgs(
  config: pulumi.Config,
  part: Part,
  file: EnvironmentFile,
  edgeOutput: (edgeStack: string, field: string) => pulumi.Output<string>,
): Partial<CohortSegmentedServiceArgs> {
  const { cloudflare } = file.args;
  if (cloudflare === undefined) return { ...file.args };
  const secret = config.getSecret("cloudflareSecret");
  const configured = config.get("cloudflareRoutesNamespaceId");
  const routing = (cloudflare as { routing?: unknown }).routing;
  const namespaceId =
    configured ??
    (part === "cohort" && routing === "worker"
      ? (edgeStack: string) => edgeOutput(edgeStack, "routesNamespaceId")
      : undefined);
  return {
    ...file.args,
    ...(secret !== undefined ? { cloudflareSecret: secret } : {}),
    ...(namespaceId !== undefined ? { cloudflareRoutesNamespaceId: namespaceId } : {}),
  };
}
