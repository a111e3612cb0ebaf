/**
 * The cohort identity convention, shared by the component (which applies it)
 * and the policy pack (which checks it on any program).
 *
 * Every resource carries exactly one marker: the AWS tag / Kubernetes label
 * `cohort=<name>`, or Cloudflare tag `cohort:<name>`. Resources of the shared
 * ingress carry the `cohort-ingress=shared` marker instead and no cohort marker.
 */
export const COHORT_TAG_KEY = "cohort";
export const INGRESS_TAG_KEY = "cohort-ingress";
export const INGRESS_TAG_VALUE = "shared";

/** DNS-label-safe cohort names: they end up in resource names, namespaces and hostnames. */
export const COHORT_NAME_PATTERN = /^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/;

export function cohortTags(cohort: string): Record<string, string> {
  return { [COHORT_TAG_KEY]: cohort };
}

export function ingressTags(): Record<string, string> {
  return { [INGRESS_TAG_KEY]: INGRESS_TAG_VALUE };
}

/** Cloudflare resources take a list of `key:value` tags rather than a map. */
export function cloudflareCohortTag(cohort: string): string {
  return `${COHORT_TAG_KEY}:${cohort}`;
}

/** Kubernetes namespace that holds one cohort's workloads. */
export function cohortNamespace(cohort: string): string {
  return `cohort-${cohort}`;
}

/** Physical-name prefix for a cohort's resources: `svc-<stack>-<cohort>`. */
export function cohortResourcePrefix(stack: string, cohort: string): string {
  return `svc-${stack}-${cohort}`;
}
