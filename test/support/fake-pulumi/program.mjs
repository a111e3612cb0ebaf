// The fake "program": from a stack's config and the environment fixture,
// the resources it would declare and the outputs it would export, in the
// contract's shape (components/contract.ts), and the diff against the last
// deployed resources.
import { readFileSync } from "node:fs";

export function loadFixture() {
  const path = process.env.FAKE_PULUMI_FIXTURE;
  const fixture = path ? JSON.parse(readFileSync(path, "utf8")) : {};
  const bad = (process.env.FAKE_PULUMI_BAD_VERSIONS ?? "").split(",").filter(Boolean);
  fixture.badVersions = [...(fixture.badVersions ?? []), ...bad];
  fixture.storageReplaceVersions = fixture.storageReplaceVersions ?? [];
  fixture.faults = fixture.faults ?? {};
  return fixture;
}

const plain = (config, project, key) => config[`${project}:${key}`]?.value;

/** Which part a stack owns: its `part` config, else inferred from the fixture's environment. */
export function partOf(stackName, config, project, fixture) {
  const part = plain(config, project, "part");
  const cohortName = plain(config, project, "cohort");
  const env = fixture.environment;
  if (part === "edge") return { part: "edge" };
  if (part === "cohort" && cohortName) return { part: "cohort", cohort: cohortName };
  const fromEnv = env?.cohorts?.find((c) => c.stack === stackName);
  if (fromEnv) return { part: "cohort", cohort: fromEnv.name };
  if (env?.edgeStack === stackName) return { part: "edge" };
  const dot = stackName.lastIndexOf(".");
  if (dot > 0) return { part: "cohort", cohort: stackName.slice(dot + 1) };
  return { part: "edge" };
}

function pinOf(stackName, config, project) {
  const raw = plain(config, project, "pin");
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`stack ${stackName}: config ${project}:pin is not JSON`);
  }
}

export function cohortAlarms(cohort, fixture) {
  const custom = fixture.cohorts?.[cohort] ?? {};
  const alarms = custom.alarms ?? [
    {
      name: `${cohort}-5xx`,
      kind: "metric",
      periodSeconds: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    },
    {
      name: `${cohort}-latency-p99`,
      kind: "metric",
      periodSeconds: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    },
  ];
  const compositeAlarmName = custom.compositeAlarmName ?? `${cohort}-health`;
  return {
    alarms: [...alarms, { name: compositeAlarmName, kind: "composite" }],
    compositeAlarmName,
  };
}

/** The resources the program declares: urn -> { type, inputs }. */
export function desiredResources(stackName, project, config, fixture) {
  const prefix = `urn:pulumi:${stackName}::${project}::`;
  const svcType = "cohort-segmented-service:index:CohortSegmentedService";
  const resources = {};
  const add = (type, name, inputs, parent = true) => {
    resources[`${prefix}${parent ? `${svcType}$` : ""}${type}::${name}`] = { type, inputs };
  };
  add("pulumi:pulumi:Stack", `${project}-${stackName}`, {}, false);
  add(svcType, "service", {}, false);
  const owner = partOf(stackName, config, project, fixture);
  if (owner.part === "edge") {
    const edgeConfig = Object.fromEntries(
      Object.entries(config)
        .filter(([k]) => !/:(part|environment|cohort|pin|pins)$/.test(k))
        .map(([k, v]) => [k, v.value]),
    );
    add("aws:lb/loadBalancer:LoadBalancer", "edge-alb", {});
    add("aws:lb/listener:Listener", "edge-https", { edgeConfig });
    return { resources, owner };
  }
  const c = owner.cohort;
  const pin = pinOf(stackName, config, project);
  const storageGeneration =
    pin && fixture.storageReplaceVersions.includes(pin.version) ? pin.version : "g1";
  add("aws:dynamodb/table:Table", `${c}-data`, { storageGeneration });
  add("aws:ecs/taskDefinition:TaskDefinition", `${c}-task`, {
    version: pin?.version,
    config: pin?.config ?? {},
  });
  add("aws:ecs/service:Service", `${c}-service`, { version: pin?.version });
  const { alarms } = cohortAlarms(c, fixture);
  for (const alarm of alarms) {
    const type =
      alarm.kind === "composite"
        ? "aws:cloudwatch/compositeAlarm:CompositeAlarm"
        : "aws:cloudwatch/metricAlarm:MetricAlarm";
    add(type, alarm.name, {});
  }
  add("aws:lb/listenerRule:ListenerRule", `${c}-route`, {});
  return { resources, owner, pin };
}

/** Types whose changed inputs force a replacement. */
const IMMUTABLE = new Set(["aws:ecs/taskDefinition:TaskDefinition", "aws:dynamodb/table:Table"]);

/** Steps from `current` to `desired`: [{ urn, type, op }]. */
export function diff(current, desired) {
  const steps = [];
  for (const [urn, res] of Object.entries(desired)) {
    const old = current[urn];
    if (!old) steps.push({ urn, type: res.type, op: "create" });
    else if (JSON.stringify(old.inputs) === JSON.stringify(res.inputs))
      steps.push({ urn, type: res.type, op: "same" });
    else steps.push({ urn, type: res.type, op: IMMUTABLE.has(res.type) ? "replace" : "update" });
  }
  for (const [urn, res] of Object.entries(current)) {
    if (!desired[urn]) steps.push({ urn, type: res.type, op: "delete" });
  }
  return steps;
}

export function countOps(steps) {
  const counts = {};
  for (const step of steps) counts[step.op] = (counts[step.op] ?? 0) + 1;
  return counts;
}

/** The stack's outputs in the contract's shape. */
export function outputsOf(stackName, project, config, fixture) {
  const owner = partOf(stackName, config, project, fixture);
  if (owner.part === "edge")
    return { environment: fixture.environment ?? { name: "unknown", cohorts: [] } };
  const c = owner.cohort;
  const pin = pinOf(stackName, config, project) ?? { release: "none", version: "none", config: {} };
  const criticality = fixture.environment?.cohorts?.find((x) => x.name === c)?.criticality ?? 0;
  const { alarms, compositeAlarmName } = cohortAlarms(c, fixture);
  const endpoint = fixture.cohorts?.[c]?.endpoint ?? `https://api.example.test (x-cohort: ${c})`;
  return {
    cohorts: {
      [c]: {
        name: c,
        criticality,
        pin,
        alarmNames: alarms.map((a) => a.name),
        compositeAlarmName,
        alarms,
        endpoint,
      },
    },
  };
}
