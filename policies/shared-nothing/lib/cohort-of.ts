import {
  COHORT_NAME_PATTERN,
  INGRESS_TAG_KEY,
  INGRESS_TAG_VALUE,
} from "../../../components/identity.js";
import type { RuleConfig } from "./config.js";
import { isUnknown } from "./unknowns.js";

/**
 * What a resource says about its cohort, read from the marker convention in
 * components/identity.ts: AWS tag / Kubernetes label `<key>=<cohort>`, Cloudflare tag
 * `<key>:<cohort>`, Kubernetes namespace `cohort-<cohort>`, or the shared-ingress marker.
 */
export type Marker =
  | { kind: "cohort"; cohort: string }
  | { kind: "ingress" }
  | { kind: "none" }
  | { kind: "unknown" }
  /** `cohorts`: every cohort name the marker mentions, for the message's "cohorts involved". */
  | { kind: "invalid"; reason: string; cohorts: string[] };

type Cfg = Pick<RuleConfig, "cohortTagKey" | "cohorts">;

const NAMESPACE_PREFIX = "cohort-";

export function isKnownCohort(name: string, cfg: Cfg): boolean {
  if (!COHORT_NAME_PATTERN.test(name)) return false;
  return cfg.cohorts === undefined || cfg.cohorts.includes(name);
}

/** `cohort-pro` -> `pro`; anything else -> undefined. */
export function cohortOfNamespace(namespace: unknown): string | undefined {
  if (typeof namespace !== "string" || isUnknown(namespace)) return undefined;
  if (!namespace.startsWith(NAMESPACE_PREFIX)) return undefined;
  const cohort = namespace.slice(NAMESPACE_PREFIX.length);
  return COHORT_NAME_PATTERN.test(cohort) ? cohort : undefined;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Kubernetes object metadata (namespace, labels), tolerant of missing pieces. */
export function k8sMeta(props: Record<string, unknown>): {
  name?: string;
  namespace?: string;
  labels: Record<string, unknown>;
} {
  const meta = asRecord(props["metadata"]) ?? {};
  const name = typeof meta["name"] === "string" ? meta["name"] : undefined;
  const namespace = typeof meta["namespace"] === "string" ? meta["namespace"] : undefined;
  return { name, namespace, labels: asRecord(meta["labels"]) ?? {} };
}

function decide(values: unknown[], ingress: boolean, cfg: Cfg): Marker {
  if (values.some(isUnknown)) return { kind: "unknown" };
  const names = new Set<string>();
  for (const v of values) {
    // `free,pro` or `free|pro` is two markers pretending to be one; anything else (even with
    // spaces) is one value, judged against the cohort name pattern below.
    for (const part of String(v).split(/[,;|+]/)) if (part.trim() !== "") names.add(part.trim());
  }
  if (names.size === 0) return ingress ? { kind: "ingress" } : { kind: "none" };
  if (ingress) {
    return {
      kind: "invalid",
      reason: `carries both the shared-ingress marker and cohort "${[...names].join(", ")}"`,
      cohorts: [...names].sort(),
    };
  }
  if (names.size > 1) {
    return {
      kind: "invalid",
      reason: `carries ${names.size} cohort markers (${[...names].sort().join(", ")})`,
      cohorts: [...names].sort(),
    };
  }
  const [only] = [...names] as [string];
  if (!isKnownCohort(only, cfg)) {
    const known = cfg.cohorts ? ` (known: ${cfg.cohorts.join(", ")})` : "";
    return { kind: "invalid", reason: `names unknown cohort "${only}"${known}`, cohorts: [only] };
  }
  return { kind: "cohort", cohort: only };
}

function mapMarker(tags: Record<string, unknown>[], cfg: Cfg): Marker {
  const key = cfg.cohortTagKey.toLowerCase();
  const values: unknown[] = [];
  let ingress = false;
  const seen = new Set<string>();
  for (const map of tags) {
    for (const [k, v] of Object.entries(map)) {
      const lower = k.toLowerCase();
      if (lower === key && !seen.has(`${k}=${String(v)}`)) {
        seen.add(`${k}=${String(v)}`);
        values.push(v);
      }
      if (lower === INGRESS_TAG_KEY && v === INGRESS_TAG_VALUE) ingress = true;
    }
  }
  return decide(values, ingress, cfg);
}

function cloudflareMarker(tags: unknown, cfg: Cfg): Marker {
  if (isUnknown(tags)) return { kind: "unknown" };
  const values: unknown[] = [];
  let ingress = false;
  for (const tag of asArray(tags)) {
    if (isUnknown(tag)) return { kind: "unknown" };
    if (typeof tag !== "string") continue;
    const at = tag.indexOf(":");
    if (at < 0) continue;
    const k = tag.slice(0, at).toLowerCase();
    const v = tag.slice(at + 1);
    if (k === cfg.cohortTagKey.toLowerCase()) values.push(v);
    if (k === INGRESS_TAG_KEY && v === INGRESS_TAG_VALUE) ingress = true;
  }
  return decide(values, ingress, cfg);
}

function kubernetesMarker(type: string, props: Record<string, unknown>, cfg: Cfg): Marker {
  const meta = k8sMeta(props);
  const fromLabels = mapMarker([meta.labels], cfg);
  const nsSource = type === "kubernetes:core/v1:Namespace" ? meta.name : meta.namespace;
  const fromNamespace = cohortOfNamespace(nsSource);
  if (fromNamespace === undefined) return fromLabels;
  if (fromLabels.kind === "none") {
    return isKnownCohort(fromNamespace, cfg)
      ? { kind: "cohort", cohort: fromNamespace }
      : {
          kind: "invalid",
          reason: `lives in namespace of unknown cohort "${fromNamespace}"`,
          cohorts: [fromNamespace],
        };
  }
  if (fromLabels.kind === "cohort" && fromLabels.cohort !== fromNamespace) {
    return {
      kind: "invalid",
      reason: `is labelled cohort "${fromLabels.cohort}" but lives in namespace "${nsSource ?? ""}" of cohort "${fromNamespace}"`,
      cohorts: [fromLabels.cohort, fromNamespace].sort(),
    };
  }
  return fromLabels;
}

/** Reads a resource's marker from its (raw) props, by platform. */
export function markerOf(type: string, props: Record<string, unknown>, cfg: Cfg): Marker {
  if (type.startsWith("kubernetes:")) return kubernetesMarker(type, props, cfg);
  if (type.startsWith("cloudflare:")) return cloudflareMarker(props["tags"], cfg);
  if (type.startsWith("pulumi:")) return { kind: "none" };
  const maps: Record<string, unknown>[] = [];
  for (const key of ["tags", "tagsAll"]) {
    const value = props[key];
    if (isUnknown(value)) return { kind: "unknown" };
    const map = asRecord(value);
    if (map) maps.push(map);
  }
  return mapMarker(maps, cfg);
}

export function cohortOf(marker: Marker): string | undefined {
  return marker.kind === "cohort" ? marker.cohort : undefined;
}
