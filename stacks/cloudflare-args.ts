/**
 * The example program's Cloudflare args. An environment file either holds the environment
 * alone (stacks/environments/prod.yaml) or wraps it with the component args every stack of the
 * environment shares (stacks/environments/examples/cloudflare.yaml):
 *
 *   environment: { name, cohorts, ... }
 *   cloudflare: { accountId, zone, routing, hostname, ... }     # CohortSegmentedServiceArgs
 *   cloudflareRanges: { ipv4: [...], ipv6: [...] }
 *
 * Per stack, from config (namespace `cohort-service`): `cloudflareSecret` (a secret: the cookie
 * signing key, the upstream's shared secret or the HS256 key; edge stack, Worker routing), and
 * `cloudflareRoutesNamespaceId` (cohort stacks, Worker routing; default: the edge stack's
 * exported edge.routesNamespaceId, read once the args are valid).
 * Only the component's public surface (components/index.ts) is used here.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CohortSegmentedServiceArgs, Part, SpecProblem } from "../components/index.js";

/** The component args an environment file may hold besides `environment`. */
export const FILE_ARGS = ["cloudflare", "cloudflareRanges"] as const;
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
  const args: FileArgs = {
    ...(content["cloudflare"] !== undefined
      ? { cloudflare: content["cloudflare"] as FileArgs["cloudflare"] }
      : {}),
    ...(content["cloudflareRanges"] !== undefined
      ? { cloudflareRanges: content["cloudflareRanges"] as FileArgs["cloudflareRanges"] }
      : {}),
  };
  return { environment: content["environment"], args, wrapped: true, problems };
}

/**
 * Where a component problem path lives when the file is wrapped: `environment.…` and the
 * file's args are keys of the file; undefined for every other path (a config key).
 */
export function wrappedFilePath(path: string, file: EnvironmentFile): string | undefined {
  if (!file.wrapped) return undefined;
  const top = /^[A-Za-z]+/.exec(path)?.[0] ?? "";
  return top === "environment" || top in file.args ? path : undefined;
}

/**
 * The stack's Cloudflare args: the file's, the secret from config and, in a cohort stack with
 * Worker routing, the edge's route-entry namespace.
 * @param config the program's config (namespace cohort-service).
 * @param part the stack's part.
 * @param file the environment file, read.
 * @param edgeOutput reads one of the edge stack's exported `edge` fields; called only after
 *   `validated` resolves, so bad args fail before the stack reference is registered.
 * @param validated resolves once the component accepted the args.
 */
export function cloudflareStackArgs(
  config: pulumi.Config,
  part: Part,
  file: EnvironmentFile,
  edgeOutput: (field: string) => pulumi.Output<string>,
  validated: Promise<void>,
): Partial<CohortSegmentedServiceArgs> {
  const { cloudflare } = file.args;
  if (cloudflare === undefined) return { ...file.args };
  const secret = config.getSecret("cloudflareSecret");
  const configured = config.get("cloudflareRoutesNamespaceId");
  const routing = (cloudflare as { routing?: unknown }).routing;
  const namespaceId =
    configured ??
    (part === "cohort" && routing === "worker"
      ? pulumi.output(validated.then(() => edgeOutput("routesNamespaceId")))
      : undefined);
  return {
    ...file.args,
    ...(secret !== undefined ? { cloudflareSecret: secret } : {}),
    ...(namespaceId !== undefined ? { cloudflareRoutesNamespaceId: namespaceId } : {}),
  };
}
