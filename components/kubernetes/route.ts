/**
 * A cohort's route: a Gateway API HTTPRoute in the cohort's own namespace, attached to the
 * edge's shared Gateway, matching the cohort's hosts and/or header value, with its only
 * backend the cohort's Service in that same namespace (no `namespace` on the backendRef, so
 * no ReferenceGrant is ever needed, and none is created).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { EnvironmentSpec, Match } from "../spec.js";
import type { KubernetesSettings } from "./args.js";
import type { KubernetesCohortContext } from "./context.js";

/** The HTTPRoute spec for a match: hosts as hostnames, the header as an Exact header match. */
export function routeSpec(
  environment: EnvironmentSpec,
  gateway: KubernetesSettings["gateway"],
  match: Match,
  backend: { name: string; port: number },
): Record<string, unknown> {
  return {
    parentRefs: [
      {
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: gateway.name,
        namespace: gateway.namespace,
        sectionName: gateway.listener,
      },
    ],
    ...(match.hosts !== undefined ? { hostnames: match.hosts } : {}),
    rules: [
      {
        matches: [
          {
            path: { type: "PathPrefix", value: "/" },
            ...(match.header !== undefined
              ? { headers: [{ type: "Exact", name: environment.headerName, value: match.header }] }
              : {}),
          },
        ],
        backendRefs: [{ group: "", kind: "Service", name: backend.name, port: backend.port }],
      },
    ],
  };
}

/**
 * Creates the cohort's HTTPRoute.
 * @param ctx the cohort's names, labels, settings and options.
 * @param service the cohort's Service, the route's only backend.
 */
export function createRoute(
  ctx: KubernetesCohortContext,
  service: pulumi.Resource,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    `${ctx.logical}-route`,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: ctx.names.route, namespace: ctx.names.namespace, labels: ctx.labels },
      spec: routeSpec(ctx.environment, ctx.settings.gateway, ctx.cohort.match, {
        name: ctx.names.service,
        port: 80,
      }),
    },
    { ...ctx.opts, dependsOn: [service] },
  );
}
