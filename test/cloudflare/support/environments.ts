/**
 * Cloudflare edge environments for tests: the example environment and random ones (every
 * routing mode, plan, load balancing, identities), with a program that builds the edge part and
 * every cohort's part the way the stacks would (each cohort under its own parent, its origin a
 * load balancer tagged with the cohort).
 */
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { createCloudflareCohort } from "../../../components/cloudflare/cohort.js";
import { createCloudflareEdge } from "../../../components/cloudflare/edge.js";
import type {
  CloudflareEdgeInput,
  CloudflareEdgeSpec,
} from "../../../components/cloudflare/schema.js";
import { validateCloudflareEdge } from "../../../components/cloudflare/validate.js";
import { cohortTags } from "../../../components/identity.js";
import { keyPair } from "./jwt.js";

export const ACCOUNT_ID = "0123456789abcdef0123456789abcdef";
export const ZONE_ID = "fedcba9876543210fedcba9876543210";

export interface EdgeEnvironment {
  name: string;
  cohorts: string[];
  input: CloudflareEdgeInput;
}

/** The example: a Worker on api.example.com routing by signed cookie, hostnames per cohort under it. */
export const EXAMPLE: EdgeEnvironment = {
  name: "prod",
  cohorts: ["free", "pro", "enterprise"],
  input: {
    accountId: ACCOUNT_ID,
    zone: { id: ZONE_ID, name: "example.com", plan: "pro" },
    routing: "worker",
    hostname: "api.example.com",
    cohortSource: { kind: "signed-cookie", cookieName: "cohort" },
  },
};

/** An ES256 issuer's public key for JWT-routed environments (only its shape matters here). */
const JWT_KEY = (() => {
  const key = keyPair("ES256");
  if (key.alg === "HS256") throw new Error("unreachable");
  return key.publicJwk as { kty: "EC"; crv: "P-256"; x: string; y: string };
})();

/** A stand-in client certificate fingerprint per cohort (SHA-256, lowercase hex). */
function fingerprint(cohort: string): string {
  return createHash("sha256").update(`client-certificate-of-${cohort}`).digest("hex");
}

const cohortName = fc.stringMatching(/^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/);

export const edgeEnvironments: fc.Arbitrary<EdgeEnvironment> = fc
  .record({
    cohorts: fc.uniqueArray(cohortName, { minLength: 1, maxLength: 5 }),
    routing: fc.constantFrom("hostname" as const, "worker" as const, "origin-rules" as const),
    plan: fc.constantFrom(
      "free" as const,
      "pro" as const,
      "business" as const,
      "enterprise" as const,
    ),
    loadBalanced: fc.boolean(),
    /** Worker routing's cohort source (Origin Rules route on a trusted header only). */
    source: fc.constantFrom(
      "signed-cookie" as const,
      "trusted-header" as const,
      "jwt" as const,
      "mtls" as const,
    ),
    customIdentities: fc.boolean(),
    cacheShared: fc.boolean(),
  })
  .map(({ cohorts, routing, plan, loadBalanced, source, customIdentities, cacheShared }) => {
    const upstream =
      "set by the auth gateway after it verifies the session; client copies are removed";
    const kind = routing === "worker" ? source : "trusted-header";
    const cohortSource =
      routing === "hostname"
        ? undefined
        : kind === "signed-cookie"
          ? { kind }
          : kind === "jwt"
            ? {
                kind,
                algorithm: "ES256" as const,
                issuer: "https://auth.example.com/",
                audience: "svc.example.com",
                jwks: { keys: [{ ...JWT_KEY, kid: "k1" }] },
              }
            : kind === "mtls"
              ? { kind }
              : {
                  kind,
                  trustedUpstream: upstream,
                  ...(routing === "worker" ? { secretHeaderName: "x-upstream-secret" } : {}),
                };
    const mtls = cohortSource?.kind === "mtls";
    const ownSettings = customIdentities || mtls;
    return {
      name: "env",
      cohorts,
      input: {
        accountId: ACCOUNT_ID,
        zone: {
          id: ZONE_ID,
          name: "example.com",
          plan: routing === "origin-rules" ? "enterprise" : plan,
        },
        routing,
        hostname: "svc.example.com",
        ...(cohortSource !== undefined ? { cohortSource } : {}),
        ...(ownSettings
          ? {
              cohorts: cohorts.map((c) => ({
                name: c,
                ...(customIdentities ? { identity: `id.${c}` } : {}),
                ...(mtls ? { clientCertificates: [fingerprint(c)] } : {}),
              })),
            }
          : {}),
        ...(cacheShared
          ? {
              cache: {
                sharedHostname: "shared" as const,
                reason: "every response is private, no-store",
              },
            }
          : {}),
        ...(loadBalanced ? { loadBalancing: { path: "/healthz" } } : {}),
      },
    };
  });

/** Each cohort's origin: a load balancer tagged with the cohort. */
export function originLoadBalancer(cohort: string, parent: pulumi.Resource): aws.lb.LoadBalancer {
  return new aws.lb.LoadBalancer(
    `${cohort}-origin`,
    {
      name: `svc-env-${cohort}`,
      loadBalancerType: "application",
      subnets: ["subnet-a", "subnet-b"],
      tags: cohortTags(cohort),
    },
    { parent },
  );
}

/**
 * Builds the edge part and every cohort's part, as the edge stack and the cohort stacks would
 * (single-stack mode). Returns the validated spec.
 */
export function buildEnvironment(env: EdgeEnvironment): CloudflareEdgeSpec {
  const spec = validateCloudflareEdge(env.input, env.cohorts);
  const edgeParent = new pulumi.ComponentResource("test:index:Edge", `${env.name}-edge`);
  const edge = createCloudflareEdge(
    `${env.name}-edge`,
    { spec, prefix: `svc-${env.name}`, secret: "test-secret" },
    { parent: edgeParent },
  );
  for (const cohort of env.cohorts) {
    const parent = new pulumi.ComponentResource("test:index:Cohort", `${env.name}-${cohort}`);
    const alb = originLoadBalancer(cohort, parent);
    createCloudflareCohort(
      `${env.name}-${cohort}`,
      {
        spec,
        environment: env.name,
        cohort,
        origins: [alb.dnsName],
        ...(edge.outputs.routesNamespaceId !== undefined
          ? { routesNamespaceId: edge.outputs.routesNamespaceId }
          : {}),
      },
      { parent },
    );
  }
  return spec;
}
