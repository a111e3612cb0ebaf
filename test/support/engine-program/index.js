// A provider-free cohort stack for tests on the real Pulumi engine.
//
// Every resource is a `pulumi.dynamic.Resource`, run by the engine's Node
// dynamic-provider plugin: no cloud, no download. The program behaves like one
// stack of CohortSegmentedService (components/contract.ts):
//   part=edge    exports `environment` (the JSON config `environmentSpec`);
//   part=cohort  a storage resource (type pulumi-nodejs:dynamic/storage:Table,
//                replaced when the pin's config STORAGE_GENERATION changes, so the
//                data-loss guard must refuse it), a service (updated in place with
//                the pin), and exports `cohorts.<name>` with the pin, alarm names
//                and endpoint.
//
// Test hooks, all from the environment of the `pulumi` process (plugins inherit it):
//   COHORT_TEST_CLOUD_DIR    the "cloud": one file per physical resource (created,
//                            updated, deleted by the providers), so a test can tell a
//                            duplicated or leaked resource from a tracked one.
//   COHORT_TEST_HOLD_DIR     at each step (storage-create, service-create,
//                            service-update, queue-create) writes `<stack>.<step>.started` there, then
//                            waits while `<stack>.<step>.hold` exists: a test kills or
//                            overlaps an update at a known point (a marker, never a sleep).
//   COHORT_TEST_CLOUDWATCH_ENDPOINT  a CloudWatch emulator (loopback only): the
//                            service's create/update puts the cohort's alarms and sets
//                            them OK, or ALARM for a version listed in the stack's
//                            `badVersions` config.
//
// CommonJS on purpose: the engine serialises the providers' functions, and its
// closure serialiser captures `require` of built-in modules reliably.
"use strict";
const pulumi = require("@pulumi/pulumi");

/** Physical names are deterministic (like the component's `svc-<env>-<cohort>`): a create
 * that runs twice writes the same cloud object, it never duplicates it. */
const cloud = {
  path(name) {
    const dir = process.env.COHORT_TEST_CLOUD_DIR;
    return dir ? require("path").join(dir, encodeURIComponent(name)) : undefined;
  },
  put(name, body) {
    const file = this.path(name);
    if (!file) return;
    require("fs").mkdirSync(require("path").dirname(file), { recursive: true });
    require("fs").writeFileSync(file, JSON.stringify(body));
  },
  remove(name) {
    const file = this.path(name);
    if (file) require("fs").rmSync(file, { force: true });
  },
};

async function holdPoint(stack, step) {
  const dir = process.env.COHORT_TEST_HOLD_DIR;
  if (!dir) return;
  const fs = require("fs");
  const path = require("path");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${stack}.${step}.started`), String(process.pid));
  while (fs.existsSync(path.join(dir, `${stack}.${step}.hold`))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function cloudwatch(action, params) {
  const endpoint = process.env.COHORT_TEST_CLOUDWATCH_ENDPOINT;
  if (!endpoint) return;
  const body = new URLSearchParams({ Action: action, Version: "2010-08-01", ...params });
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      // moto reads the region from the signature's credential scope.
      authorization:
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0",
    },
    body,
  });
  if (!response.ok)
    throw new Error(`CloudWatch ${action}: HTTP ${response.status} ${await response.text()}`);
}

async function applyAlarms(inputs) {
  const metrics = inputs.alarms.filter((a) => a.kind === "metric");
  for (const alarm of metrics) {
    await cloudwatch("PutMetricAlarm", {
      AlarmName: alarm.name,
      Namespace: "CohortService",
      MetricName: alarm.name,
      Statistic: "Sum",
      Period: String(alarm.periodSeconds),
      EvaluationPeriods: String(alarm.evaluationPeriods),
      DatapointsToAlarm: String(alarm.datapointsToAlarm),
      Threshold: "1",
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
  }
  for (const alarm of inputs.alarms.filter((a) => a.kind === "composite")) {
    await cloudwatch("PutCompositeAlarm", {
      AlarmName: alarm.name,
      AlarmRule: metrics.map((m) => `ALARM("${m.name}")`).join(" OR ") || "FALSE",
    });
  }
  for (const alarm of inputs.alarms) {
    await cloudwatch("SetAlarmState", {
      AlarmName: alarm.name,
      StateValue: inputs.bad ? "ALARM" : "OK",
      StateReason: inputs.bad ? "test program: bad version deployed" : "test program: healthy",
    });
  }
}

/** The cohort's compute: updated in place; its create/update is where tests hold or kill. */
const serviceProvider = {
  async create(inputs) {
    cloud.put(inputs.physicalName, inputs);
    await holdPoint(inputs.stack, "service-create");
    await applyAlarms(inputs);
    return { id: inputs.physicalName, outs: inputs };
  },
  async diff(_id, olds, news) {
    const changes = JSON.stringify(olds) !== JSON.stringify(news);
    return { changes, replaces: olds.physicalName !== news.physicalName ? ["physicalName"] : [] };
  },
  async update(_id, _olds, news) {
    await holdPoint(news.stack, "service-update");
    cloud.put(news.physicalName, news);
    await applyAlarms(news);
    return { outs: news };
  },
  async delete(id) {
    cloud.remove(id);
  },
};

/** The cohort's storage: any change of its generation replaces it (data loss). */
const storageProvider = {
  async create(inputs) {
    const name = `${inputs.physicalName}-${inputs.generation}`;
    // In the cloud before the engine hears of it, like a real create cut short.
    cloud.put(name, inputs);
    await holdPoint(inputs.stack, "storage-create");
    return { id: name, outs: inputs };
  },
  async diff(_id, olds, news) {
    const changes = JSON.stringify(olds) !== JSON.stringify(news);
    return {
      changes,
      replaces: olds.generation !== news.generation ? ["generation"] : [],
      deleteBeforeReplace: false,
    };
  },
  async delete(id) {
    cloud.remove(id);
  },
};

/** A cohort's queue, created by a release whose pin config sets QUEUE=on: the create a test
 * kills mid-way (`queue-create`). Its physical name is deterministic, so a create run again
 * after `refresh --clear-pending-creates` writes the same cloud object, never a second one. */
const queueProvider = {
  async create(inputs) {
    cloud.put(inputs.physicalName, inputs);
    await holdPoint(inputs.stack, "queue-create");
    return { id: inputs.physicalName, outs: inputs };
  },
  async diff(_id, olds, news) {
    return { changes: JSON.stringify(olds) !== JSON.stringify(news) };
  },
  async update(_id, _olds, news) {
    cloud.put(news.physicalName, news);
    return { outs: news };
  },
  async delete(id) {
    cloud.remove(id);
  },
};

/** The edge's shared singleton: updated in place with the edge config. */
const edgeProvider = {
  async create(inputs) {
    cloud.put(inputs.physicalName, inputs);
    return { id: inputs.physicalName, outs: inputs };
  },
  async diff(_id, olds, news) {
    return { changes: JSON.stringify(olds) !== JSON.stringify(news) };
  },
  async update(_id, _olds, news) {
    cloud.put(news.physicalName, news);
    return { outs: news };
  },
  async delete(id) {
    cloud.remove(id);
  },
};

const config = new pulumi.Config();
const stack = pulumi.getStack();
const part = config.get("part") ?? "cohort";

function jsonConfig(key, fallback) {
  const raw = config.get(key);
  if (raw === undefined) return fallback;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new Error(`config ${key} is not JSON: ${error.message}`);
  }
}

if (part === "edge") {
  const environment = jsonConfig("environmentSpec", undefined);
  if (environment === undefined)
    throw new Error("config environmentSpec is required on the edge stack");
  // Every other plain key of the stack is edge config (what a release's edgeConfig sets).
  const edgeConfig = Object.fromEntries(
    Object.entries(pulumi.runtime.allConfig()).filter(
      ([key]) => !/:(part|environmentSpec)$/.test(key),
    ),
  );
  new pulumi.dynamic.Resource(
    edgeProvider,
    "edge-listener",
    { physicalName: `${stack}-edge-listener`, edgeConfig },
    {},
    "edge",
    "Listener",
  );
  exports.environment = environment;
} else {
  const cohort = config.require("cohort");
  const pin = jsonConfig("pin", { release: "none", version: "none", config: {} });
  const badVersions = jsonConfig("badVersions", []);
  const prefix = config.get("alarmPrefix") ?? "";
  const metric = {
    name: `${prefix}${cohort}-5xx`,
    kind: "metric",
    periodSeconds: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
  };
  const composite = { name: `${prefix}${cohort}-health`, kind: "composite" };
  const alarms = [metric, composite];
  const storage = new pulumi.dynamic.Resource(
    storageProvider,
    `${cohort}-data`,
    {
      stack,
      physicalName: `${stack}-data`,
      generation: (pin.config ?? {}).STORAGE_GENERATION ?? "g1",
    },
    {},
    "storage",
    "Table",
  );
  const service = new pulumi.dynamic.Resource(
    serviceProvider,
    `${cohort}-service`,
    {
      stack,
      physicalName: `${stack}-service`,
      version: pin.version,
      config: pin.config ?? {},
      alarms,
      bad: badVersions.includes(pin.version),
      table: storage.id,
    },
    {},
    "compute",
    "Service",
  );
  if ((pin.config ?? {}).QUEUE === "on")
    new pulumi.dynamic.Resource(
      queueProvider,
      `${cohort}-queue`,
      { stack, physicalName: `${stack}-queue` },
      {},
      "messaging",
      "Queue",
    );
  exports.cohorts = {
    [cohort]: {
      name: cohort,
      criticality: config.getNumber("criticality") ?? 0,
      pin,
      alarmNames: alarms.map((a) => a.name),
      compositeAlarmName: composite.name,
      alarms,
      endpoint: `https://api.example.test (x-cohort: ${cohort})`,
      urn: service.urn,
    },
  };
}
