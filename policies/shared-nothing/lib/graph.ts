import type { PolicyResource } from "@pulumi/policy";
import { containsToken } from "./arn-match.js";
import { cohortOf, markerOf, type Marker } from "./cohort-of.js";
import type { RuleConfig } from "./config.js";
import { cohortsNamedIn, environmentOfUrn } from "./named-cohorts.js";
import { stringsIn } from "./strings.js";
import { isUnknown, rawProps } from "./unknowns.js";

/** A resource of the stack with its raw props, its marker and its resolved dependencies. */
export interface Node {
  urn: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
  marker: Marker;
  cohort: string | undefined;
  parent: Node | undefined;
  deps: Node[];
  propDeps: Record<string, Node[]>;
}

/** Props whose values identify a resource from elsewhere (ARNs, physical names, hostnames). */
const IDENTIFIER_KEYS = [
  "arn",
  "name",
  "bucket",
  "functionName",
  "family",
  "dnsName",
  "arnSuffix",
  "alarmName",
  "roleName",
];
const MIN_IDENTIFIER_LENGTH = 4;

export { stringsIn } from "./strings.js";

export function describe(node: Pick<Node, "type" | "name">): string {
  return `${node.type} "${node.name}"`;
}

export function describeWithCohort(node: Node): string {
  return node.cohort ? `${describe(node)} (cohort ${node.cohort})` : describe(node);
}

export class Graph {
  readonly nodes: Node[];
  private readonly identifiers: { value: string; node: Node }[] = [];

  private readonly environment: string | undefined;
  private readonly knownCohorts: Set<string>;

  constructor(resources: readonly PolicyResource[], cfg: RuleConfig) {
    const byUrn = new Map<string, Node>();
    this.nodes = resources.map((r) => {
      const props = rawProps(r.props as Record<string, unknown>);
      const marker = markerOf(r.type, props, cfg);
      const node: Node = {
        urn: r.urn,
        type: r.type,
        name: r.name,
        props,
        marker,
        cohort: cohortOf(marker),
        parent: undefined,
        deps: [],
        propDeps: {},
      };
      byUrn.set(r.urn, node);
      return node;
    });
    resources.forEach((r, i) => {
      const node = this.nodes[i];
      node.parent = r.parent ? byUrn.get(r.parent.urn) : undefined;
      node.deps = r.dependencies.flatMap((d) => byUrn.get(d.urn) ?? []);
      for (const [key, deps] of Object.entries(r.propertyDependencies)) {
        node.propDeps[key] = deps.flatMap((d) => byUrn.get(d.urn) ?? []);
      }
    });
    for (const node of this.nodes) {
      if (node.cohort === undefined || node.type.startsWith("kubernetes:")) continue;
      for (const key of IDENTIFIER_KEYS) {
        const value = node.props[key];
        if (
          typeof value === "string" &&
          !isUnknown(value) &&
          value.length >= MIN_IDENTIFIER_LENGTH
        ) {
          this.identifiers.push({ value, node });
        }
      }
    }
    this.environment = environmentOfUrn(resources[0]?.urn);
    this.knownCohorts = new Set([...(cfg.cohorts ?? []), ...this.cohorts()]);
  }

  /**
   * Cohorts that literal physical names in `value` belong to, by the naming convention
   * (`svc-<environment>-<cohort>…`): how a cohort stack sees resources of other cohort stacks.
   */
  namedCohorts(value: unknown): string[] {
    if (this.environment === undefined) return [];
    return cohortsNamedIn(value, this.environment, [...this.knownCohorts]);
  }

  ofType(...types: readonly string[]): Node[] {
    return this.nodes.filter((n) => types.includes(n.type));
  }

  /** Cohorts that carry a valid marker somewhere in the stack. */
  cohorts(): Set<string> {
    return new Set(this.nodes.flatMap((n) => (n.cohort ? [n.cohort] : [])));
  }

  /** Cohort-marked resources whose identifiers appear in the strings of `value`. */
  referencedIn(value: unknown, self?: Node): Node[] {
    const found = new Set<Node>();
    for (const s of stringsIn(value)) {
      for (const id of this.identifiers) {
        if (id.node !== self && containsToken(s, id.value)) found.add(id.node);
      }
    }
    return [...found];
  }

  /** Cohort-marked resources a property depends on (works at preview, when values are unknown). */
  dependedOn(node: Node, keys?: readonly string[]): Node[] {
    const found = new Set<Node>();
    for (const [key, deps] of Object.entries(node.propDeps)) {
      if (keys && !keys.includes(key)) continue;
      for (const d of deps) if (d.cohort !== undefined && d !== node) found.add(d);
    }
    return [...found];
  }

  /** Every cohort-marked resource a set of props reaches, by value or by dependency. */
  reachedFrom(node: Node, keys: readonly string[]): Node[] {
    const byValue = keys.flatMap((k) => this.referencedIn(node.props[k], node));
    return [...new Set([...byValue, ...this.dependedOn(node, keys)])];
  }
}

export function cohortsOf(nodes: readonly Node[]): string[] {
  return [...new Set(nodes.flatMap((n) => (n.cohort ? [n.cohort] : [])))].sort();
}
