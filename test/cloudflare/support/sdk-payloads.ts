/**
 * Our Cloudflare resources' inputs, mapped to the request payloads of Cloudflare's official
 * API SDK (npm `cloudflare`, generated from Cloudflare's OpenAPI):
 * - at compile time, each mapping is an object literal of the SDK's request type, so a field
 *   the API does not have, or a value of the wrong type, does not compile;
 * - at run time, every input field must be consumed by the mapping (a misspelled or unknown
 *   field is left over and fails), and every enum value must be one of the SDK's literals,
 *   held in arrays checked at compile time to list exactly the SDK's union.
 */
import type { RecordCreateParams } from "cloudflare/resources/dns/records.js";
import type { NamespaceCreateParams } from "cloudflare/resources/kv/namespaces/namespaces.js";
import type { ValueUpdateParams } from "cloudflare/resources/kv/namespaces/values.js";
import type {
  LoadBalancerCreateParams,
  SteeringPolicyParam,
} from "cloudflare/resources/load-balancers/load-balancers.js";
import type { MonitorCreateParams } from "cloudflare/resources/load-balancers/monitors/monitors.js";
import type { PoolCreateParams } from "cloudflare/resources/load-balancers/pools/pools.js";
import type {
  RouteRuleParam,
  SetCacheSettingsRuleParam,
} from "cloudflare/resources/rulesets/rules.js";
import type {
  KindParam,
  PhaseParam,
  RulesetCreateParams,
} from "cloudflare/resources/rulesets/rulesets.js";
import type { RouteCreateParams } from "cloudflare/resources/workers/routes.js";
import type { ScriptUpdateParams } from "cloudflare/resources/workers/scripts/scripts.js";

/** True only when `A` lists every member of the union `U` (and, by `satisfies`, nothing else). */
type Exhaustive<U, A extends readonly unknown[]> = [Exclude<U, A[number]>] extends [never]
  ? true
  : false;

export const PHASES = [
  "ddos_l4",
  "ddos_l7",
  "http_config_settings",
  "http_custom_errors",
  "http_log_custom_fields",
  "http_ratelimit",
  "http_request_cache_settings",
  "http_request_dynamic_redirect",
  "http_request_firewall_custom",
  "http_request_firewall_managed",
  "http_request_late_transform",
  "http_request_origin",
  "http_request_redirect",
  "http_request_sanitize",
  "http_request_sbfm",
  "http_request_transform",
  "http_response_cache_settings",
  "http_response_compression",
  "http_response_firewall_managed",
  "http_response_headers_transform",
  "magic_transit",
  "magic_transit_ids_managed",
  "magic_transit_managed",
  "magic_transit_ratelimit",
] as const satisfies readonly PhaseParam[];
const phasesExhaustive: Exhaustive<PhaseParam, typeof PHASES> = true;

export const KINDS = ["managed", "custom", "root", "zone"] as const satisfies readonly KindParam[];
const kindsExhaustive: Exhaustive<KindParam, typeof KINDS> = true;

type MonitorType = NonNullable<MonitorCreateParams["type"]>;
export const MONITOR_TYPES = [
  "http",
  "https",
  "tcp",
  "udp_icmp",
  "icmp_ping",
  "smtp",
] as const satisfies readonly MonitorType[];
const monitorTypesExhaustive: Exhaustive<MonitorType, typeof MONITOR_TYPES> = true;

export const STEERING_POLICIES = [
  "off",
  "geo",
  "random",
  "dynamic_latency",
  "proximity",
  "least_outstanding_requests",
  "least_connections",
  "",
] as const satisfies readonly SteeringPolicyParam[];
const steeringExhaustive: Exhaustive<SteeringPolicyParam, typeof STEERING_POLICIES> = true;

/** Compile-time checks; referenced so they are not unused. */
export const EXHAUSTIVE = [
  phasesExhaustive,
  kindsExhaustive,
  monitorTypesExhaustive,
  steeringExhaustive,
];

/** Pulumi's wire form of a secret value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function unwrap(value: unknown): unknown {
  if (value !== null && typeof value === "object" && SECRET_SIG in value) {
    return (value as unknown as { value: unknown }).value;
  }
  return value;
}

/** Reads a resource's inputs field by field; `done()` fails on any field nobody read. */
class Fields {
  private readonly seen = new Set<string>();
  constructor(
    private readonly inputs: Record<string, unknown>,
    readonly where: string,
  ) {}

  private raw(key: string): unknown {
    this.seen.add(key);
    return unwrap(this.inputs[key]);
  }

  has(key: string): boolean {
    return this.inputs[key] !== undefined;
  }

  str(key: string): string {
    const v = this.raw(key);
    if (typeof v !== "string")
      throw new Error(`${this.where}.${key}: expected a string, got ${JSON.stringify(v)}`);
    return v;
  }

  optStr(key: string): string | undefined {
    return this.has(key) ? this.str(key) : (this.raw(key), undefined);
  }

  num(key: string): number {
    const v = this.raw(key);
    if (typeof v !== "number")
      throw new Error(`${this.where}.${key}: expected a number, got ${JSON.stringify(v)}`);
    return v;
  }

  bool(key: string): boolean {
    const v = this.raw(key);
    if (typeof v !== "boolean")
      throw new Error(`${this.where}.${key}: expected a boolean, got ${JSON.stringify(v)}`);
    return v;
  }

  strings(key: string): string[] {
    const v = this.raw(key);
    if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
      throw new Error(`${this.where}.${key}: expected a list of strings, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const v = this.str(key);
    if (!(allowed as readonly string[]).includes(v)) {
      throw new Error(
        `${this.where}.${key}: "${v}" is not one of the API's values (${allowed.join(", ")})`,
      );
    }
    return v as T;
  }

  object(key: string): Fields {
    const v = this.raw(key);
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      throw new Error(`${this.where}.${key}: expected an object, got ${JSON.stringify(v)}`);
    }
    return new Fields(v as Record<string, unknown>, `${this.where}.${key}`);
  }

  list(key: string): Fields[] {
    const v = this.raw(key);
    if (!Array.isArray(v))
      throw new Error(`${this.where}.${key}: expected a list, got ${JSON.stringify(v)}`);
    return v.map((item, i) => {
      if (item === null || typeof item !== "object")
        throw new Error(`${this.where}.${key}[${i}]: expected an object`);
      return new Fields(item as Record<string, unknown>, `${this.where}.${key}[${i}]`);
    });
  }

  /** Fails when an input field has no place in the API's request. */
  done(): void {
    const left = Object.keys(this.inputs).filter(
      (k) => !this.seen.has(k) && this.inputs[k] !== undefined,
    );
    if (left.length > 0)
      throw new Error(`${this.where}: fields the API request has no place for: ${left.join(", ")}`);
  }

  /** Runs `map` and then requires every field to have been read. */
  static map<T>(fields: Fields, map: (f: Fields) => T): T {
    const out = map(fields);
    fields.done();
    return out;
  }
}

function dnsRecord(f: Fields): RecordCreateParams {
  const type = f.oneOf("type", ["CNAME", "A", "AAAA"] as const);
  const common = {
    zone_id: f.str("zoneId"),
    name: f.str("name"),
    content: f.str("content"),
    ttl: f.num("ttl"),
    proxied: f.bool("proxied"),
    comment: f.str("comment"),
    tags: f.strings("tags"),
  };
  switch (type) {
    case "CNAME":
      return { ...common, type } satisfies RecordCreateParams.CNAMERecord;
    case "A":
      return { ...common, type } satisfies RecordCreateParams.ARecord;
    case "AAAA":
      return { ...common, type } satisfies RecordCreateParams.AAAARecord;
  }
}

function routeRule(r: Fields): RouteRuleParam {
  return Fields.map(r, (rule) => {
    const params = rule.object("actionParameters");
    return {
      ref: rule.str("ref"),
      description: rule.str("description"),
      enabled: rule.bool("enabled"),
      action: rule.oneOf("action", ["route"] as const),
      expression: rule.str("expression"),
      action_parameters: Fields.map(params, (p) => ({
        origin: Fields.map(p.object("origin"), (o) => ({ host: o.str("host") })),
        host_header: p.str("hostHeader"),
        sni: Fields.map(p.object("sni"), (s) => ({ value: s.str("value") })),
      })),
    };
  });
}

function cacheRule(r: Fields): SetCacheSettingsRuleParam {
  return Fields.map(r, (rule) => ({
    ref: rule.str("ref"),
    description: rule.str("description"),
    enabled: rule.bool("enabled"),
    action: rule.oneOf("action", ["set_cache_settings"] as const),
    expression: rule.str("expression"),
    action_parameters: Fields.map(rule.object("actionParameters"), (p) => ({
      cache: p.bool("cache"),
    })),
  }));
}

function ruleset(f: Fields): RulesetCreateParams {
  const phase = f.oneOf("phase", PHASES);
  return {
    zone_id: f.str("zoneId"),
    kind: f.oneOf("kind", KINDS),
    phase,
    name: f.str("name"),
    description: f.str("description"),
    rules: f
      .list("rules")
      .map((r) => (phase === "http_request_origin" ? routeRule(r) : cacheRule(r))),
  };
}

type Binding = NonNullable<ScriptUpdateParams.Metadata["bindings"]>[number];

function binding(b: Fields): Binding {
  return Fields.map(b, (f) => {
    const type = f.oneOf("type", ["json", "secret_text", "kv_namespace"] as const);
    const name = f.str("name");
    switch (type) {
      case "json":
        return {
          type,
          name,
          json: JSON.parse(f.str("json")) as unknown,
        } satisfies ScriptUpdateParams.Metadata.WorkersBindingKindJson;
      case "secret_text":
        return {
          type,
          name,
          text: f.str("text"),
        } satisfies ScriptUpdateParams.Metadata.WorkersBindingKindSecretText;
      case "kv_namespace":
        return {
          type,
          name,
          namespace_id: f.str("namespaceId"),
        } satisfies ScriptUpdateParams.Metadata.WorkersBindingKindKVNamespace;
    }
  });
}

/** `client.workers.scripts.update(scriptName, params)`: the name is the path parameter. */
function workersScript(f: Fields): { scriptName: string; params: ScriptUpdateParams } {
  const mainModule = f.str("mainModule");
  const content = f.str("content");
  return {
    scriptName: f.str("scriptName"),
    params: {
      account_id: f.str("accountId"),
      metadata: {
        main_module: mainModule,
        compatibility_date: f.str("compatibilityDate"),
        bindings: f.list("bindings").map(binding),
      },
      files: [new File([content], mainModule, { type: "application/javascript+module" })],
    },
  };
}

function workersRoute(f: Fields): RouteCreateParams {
  return { zone_id: f.str("zoneId"), pattern: f.str("pattern"), script: f.str("script") };
}

function kvNamespace(f: Fields): NamespaceCreateParams {
  return { account_id: f.str("accountId"), title: f.str("title") };
}

/** `client.kv.namespaces.values.update(keyName, params)`: the key is the path parameter. */
function kvValue(f: Fields): { keyName: string; params: ValueUpdateParams } {
  return {
    keyName: f.str("keyName"),
    params: {
      account_id: f.str("accountId"),
      namespace_id: f.str("namespaceId"),
      value: f.str("value"),
      metadata: JSON.parse(f.str("metadata")) as unknown,
    },
  };
}

function monitor(f: Fields): MonitorCreateParams {
  return {
    account_id: f.str("accountId"),
    description: f.str("description"),
    type: f.oneOf("type", MONITOR_TYPES),
    method: f.oneOf("method", ["GET", "HEAD"] as const),
    path: f.str("path"),
    expected_codes: f.str("expectedCodes"),
    interval: f.num("interval"),
    header: Fields.map(f.object("header"), (h) => ({ Host: h.strings("Host") })),
  };
}

function pool(f: Fields): PoolCreateParams {
  return {
    account_id: f.str("accountId"),
    name: f.str("name"),
    description: f.str("description"),
    monitor: f.str("monitor"),
    origins: f.list("origins").map((o) =>
      Fields.map(o, (origin) => ({
        name: origin.str("name"),
        address: origin.str("address"),
        enabled: origin.bool("enabled"),
        header: Fields.map(origin.object("header"), (h) => ({ Host: h.strings("hosts") })),
      })),
    ),
  };
}

function loadBalancer(f: Fields): LoadBalancerCreateParams {
  return {
    zone_id: f.str("zoneId"),
    name: f.str("name"),
    description: f.str("description"),
    default_pools: f.strings("defaultPools"),
    fallback_pool: f.str("fallbackPool"),
    proxied: f.bool("proxied"),
    steering_policy: f.oneOf("steeringPolicy", STEERING_POLICIES),
    adaptive_routing: Fields.map(f.object("adaptiveRouting"), (a) => ({
      failover_across_pools: a.bool("failoverAcrossPools"),
    })),
  };
}

const MAPPERS: Record<string, (f: Fields) => unknown> = {
  "cloudflare:index/dnsRecord:DnsRecord": dnsRecord,
  "cloudflare:index/ruleset:Ruleset": ruleset,
  "cloudflare:index/workersScript:WorkersScript": workersScript,
  "cloudflare:index/workersRoute:WorkersRoute": workersRoute,
  "cloudflare:index/workersKvNamespace:WorkersKvNamespace": kvNamespace,
  "cloudflare:index/workersKv:WorkersKv": kvValue,
  "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor": monitor,
  "cloudflare:index/loadBalancerPool:LoadBalancerPool": pool,
  "cloudflare:index/loadBalancer:LoadBalancer": loadBalancer,
};

/** The SDK request payload for one recorded Cloudflare resource; throws naming any mismatch. */
export function toSdkRequest(type: string, name: string, inputs: Record<string, unknown>): unknown {
  const mapper = MAPPERS[type];
  if (mapper === undefined) throw new Error(`${name}: no SDK request mapping for ${type}`);
  // Pulumi's own bookkeeping inputs are not part of the API request.
  const { __defaults: _defaults, ...rest } = inputs;
  return Fields.map(new Fields(rest, name), mapper);
}
