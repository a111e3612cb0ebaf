/**
 * The Kubernetes platform's own validation: its arguments (`kubernetes.*`) and the rules a
 * cluster shared by cohorts adds: no namespace collision between the gateway and a cohort (or a
 * system namespace), no StorageClass shared by two cohorts' volumes, matches the Gateway can
 * express as the ALB would, ALB-only options refused, config keys that are valid env names;
 * with the shared AWS load balancer, the AWS platform's listener rules (unique priorities,
 * quotas), a listener on that very load balancer, and source CIDRs that admit no cluster range.
 * Pure: returns problems, creates nothing.
 */
import { listenerProblems } from "../aws/validate.js";
import { problem, zodProblems, type SpecProblem } from "../errors.js";
import { cohortNamespace } from "../identity.js";
import type { IndexedCohort, PlatformInput } from "../platform.js";
import { kubernetesSettingsSchema, type KubernetesSettings } from "./args.js";

const SYSTEM_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

/** Container environment variable names the API server accepts. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function settingsProblems(settings: KubernetesSettings, cohorts: IndexedCohort[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const gatewayNamespace = settings.gateway.namespace;
  if (SYSTEM_NAMESPACES.has(gatewayNamespace) || gatewayNamespace.startsWith("cohort-")) {
    const owner = cohorts.find((c) => cohortNamespace(c.spec.name) === gatewayNamespace);
    problems.push(
      problem(
        ["kubernetes", "gateway", "namespace"],
        owner !== undefined
          ? `"${gatewayNamespace}" is cohorts[${owner.index}]'s namespace`
          : `"${gatewayNamespace}" is ${SYSTEM_NAMESPACES.has(gatewayNamespace) ? "a system namespace" : "reserved for cohort namespaces (cohort-<name>)"}`,
        "give the gateway a namespace of its own, e.g. gateway-system",
      ),
    );
  }
  const names = new Set(cohorts.map((c) => c.spec.name));
  const classes = new Map<string, string>();
  for (const [cohort, volume] of Object.entries(settings.volumes)) {
    if (!names.has(cohort)) {
      problems.push(
        problem(
          ["kubernetes", "volumes", cohort],
          `volume for unknown cohort "${cohort}"`,
          `the environment defines: ${[...names].join(", ")}`,
        ),
      );
      continue;
    }
    const first = classes.get(volume.storageClassName);
    if (first !== undefined) {
      problems.push(
        problem(
          ["kubernetes", "volumes", cohort, "storageClassName"],
          `StorageClass "${volume.storageClassName}" is also cohort "${first}"'s`,
          "each cohort's volumes need a StorageClass of their own (e.g. its own KMS key), so no cohort's data is encrypted or provisioned with another's",
        ),
      );
    } else {
      classes.set(volume.storageClassName, cohort);
    }
  }
  return problems;
}

/** An IPv4 CIDR as [network, prefix length]; the schema has checked its form. */
function parseCidr(cidr: string): [number, number] {
  const [address = "", length = "32"] = cidr.split("/");
  const network = address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  return [network, Number(length)];
}

/** Whether `outer` contains every address of `inner`. */
export function cidrContains(outer: string, inner: string): boolean {
  const [o, ol] = parseCidr(outer);
  const [i, il] = parseCidr(inner);
  if (ol > il) return false;
  const block = 2 ** (32 - ol);
  return Math.floor(o / block) === Math.floor(i / block);
}

function loadBalancerProblems(settings: KubernetesSettings, cohorts: IndexedCohort[]) {
  const lb = settings.loadBalancer;
  if (lb === undefined) return [];
  const problems: SpecProblem[] = [];
  const at = (...rest: (string | number)[]) => ["kubernetes", "loadBalancer", ...rest];
  // listener/app/<name>/<lb id>/<listener id>: the part after `listener/` up to the last `/`.
  const listenerBalancer = lb.listenerArn.replace(/^.*:listener\//, "").replace(/\/[^/]*$/, "");
  if (listenerBalancer !== lb.loadBalancerArnSuffix) {
    problems.push(
      problem(
        at("loadBalancerArnSuffix"),
        `"${lb.loadBalancerArnSuffix}" is not the load balancer of listenerArn ("${listenerBalancer}")`,
        "give the suffix of the load balancer that owns the listener: the alarms would watch another load balancer's metrics and never fire",
      ),
    );
  }
  lb.sourceCidrs.forEach((cidr, i) => {
    const covered = settings.clusterCidrs.find((c) => cidrContains(cidr, c));
    if (covered !== undefined) {
      problems.push(
        problem(
          at("sourceCidrs", i),
          `"${cidr}" contains the cluster range "${covered}", so every cohort's pods could reach every other's`,
          "list only the load balancer's own subnets (which hold no pods)",
        ),
      );
    }
  });
  // The same rules as the AWS platform's on its shared listener: unique priorities, no
  // shadowing, quotas. Every cohort is routed there (Kubernetes has no dedicated ingress).
  problems.push(...listenerProblems(cohorts));
  return problems;
}

function cohortProblems(
  input: PlatformInput,
  settings: KubernetesSettings | undefined,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const { spec, index } of input.cohorts) {
    const at = (...rest: (string | number)[]) => ["environment", "cohorts", index, ...rest];
    if (spec.ingress === "dedicated") {
      problems.push(
        problem(
          at("ingress"),
          "a Kubernetes cohort has no dedicated load balancer",
          'use ingress "shared": every cohort routes through the edge\'s Gateway (its namespace quota forbids LoadBalancer Services)',
        ),
      );
    }
    const header = spec.match.header;
    if (header !== undefined && header !== header.toLowerCase()) {
      problems.push(
        problem(
          at("match", "header"),
          `"${header}" has upper-case letters: an HTTPRoute header match compares values case-sensitively, where the ALB does not`,
          `write it in lower case ("${header.toLowerCase()}") so both platforms route the same requests`,
        ),
      );
    }
    if (spec.storage.bucket && settings?.cloudStorage !== "aws") {
      problems.push(
        problem(
          at("storage", "bucket"),
          "a bucket needs the cohort's AWS storage",
          'set kubernetes.cloudStorage to "aws"',
        ),
      );
    }
  }
  return problems;
}

function pinProblems(input: PlatformInput): SpecProblem[] {
  const pins = input.args.pins ?? {};
  if (typeof pins !== "object" || pins === null) return [];
  const problems: SpecProblem[] = [];
  for (const [cohort, pin] of Object.entries(pins)) {
    const config = (pin as { config?: unknown } | undefined)?.config;
    if (typeof config !== "object" || config === null) continue;
    for (const key of Object.keys(config)) {
      if (!ENV_NAME.test(key)) {
        problems.push(
          problem(
            ["pins", cohort, "config", key],
            "is not a valid container environment variable name",
            "letters, digits, '_', '-' and '.', not starting with a digit",
          ),
        );
      }
    }
  }
  return problems;
}

/** The settings, or every problem of the Kubernetes platform. */
export function validateKubernetes(input: PlatformInput): {
  settings: KubernetesSettings | undefined;
  problems: SpecProblem[];
} {
  const raw = input.args.kubernetes;
  const problems: SpecProblem[] = [];
  let settings: KubernetesSettings | undefined;
  if (raw === undefined) {
    problems.push(
      problem(
        ["kubernetes"],
        'is required when the environment\'s platform is "kubernetes"',
        "pass clusterName and clusterCidrs (and gateway, container, volumes as needed)",
      ),
    );
  } else {
    // The provider is a resource, not a setting: it is not validated by the schema.
    const { provider: _provider, ...rest } = raw;
    const result = kubernetesSettingsSchema.safeParse(rest);
    if (result.success) {
      settings = result.data;
      problems.push(
        ...settingsProblems(settings, input.cohorts),
        ...loadBalancerProblems(settings, input.cohorts),
      );
    } else {
      problems.push(...zodProblems(["kubernetes"], result.error));
    }
  }
  problems.push(...cohortProblems(input, settings), ...pinProblems(input));
  return { settings, problems };
}
