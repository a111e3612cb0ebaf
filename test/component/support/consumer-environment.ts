/**
 * A consumer's own environment, as `cohort-rollout plan` finds it after the
 * consumer deployed it once: environment `shop` with cohorts `free`
 * (criticality 0) and `pro` (criticality 1), each in its own stack, every
 * stack in a real Pulumi backend (the file backend named by the env), and the
 * cohorts' alarms in CloudWatch (moto), all OK.
 *
 * The stacks' outputs are what the component exports (components/contract.ts),
 * written with `pulumi stack import`, so no program or provider has to run.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CloudWatchClient,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import type { CohortOutput, EnvironmentOutput } from "../../../components/contract.js";
import { run } from "./packed-install.js";

const PROJECT = "shop";
const COHORTS = [
  { name: "free", criticality: 0 },
  { name: "pro", criticality: 1 },
] as const;

const stackOf = (cohort: string) => `${PROJECT}.${cohort}`;

const ENVIRONMENT: EnvironmentOutput = {
  name: PROJECT,
  edgeStack: PROJECT,
  cohorts: COHORTS.map((c) => ({
    name: c.name,
    criticality: c.criticality,
    bakeSeconds: 600,
    minIntervalSeconds: 0,
    stack: stackOf(c.name),
  })),
};

function cohortOutput(c: (typeof COHORTS)[number]): CohortOutput {
  const metric = `${PROJECT}-${c.name}-5xx`;
  const composite = `${PROJECT}-${c.name}-health`;
  return {
    name: c.name,
    criticality: c.criticality,
    pin: { release: "r1", version: "1.0.0", config: {} },
    alarmNames: [metric, composite],
    compositeAlarmName: composite,
    alarms: [
      {
        name: metric,
        kind: "metric",
        periodSeconds: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      },
      { name: composite, kind: "composite" },
    ],
    endpoint: `https://${c.name}.shop.example`,
  };
}

/** A deployment holding only the root stack resource, with these outputs. */
function deployment(stack: string, outputs: Record<string, unknown>): string {
  return JSON.stringify({
    version: 3,
    deployment: {
      manifest: { time: "2026-01-01T00:00:00Z", magic: "", version: "" },
      resources: [
        {
          urn: `urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}`,
          custom: false,
          type: "pulumi:pulumi:Stack",
          outputs,
        },
      ],
    },
  });
}

async function importStack(
  projectDir: string,
  env: NodeJS.ProcessEnv,
  stack: string,
  outputs: Record<string, unknown>,
): Promise<void> {
  const file = join(projectDir, `${stack}.deployment.json`);
  writeFileSync(file, deployment(stack, outputs));
  await run("pulumi", ["stack", "init", stack], { cwd: projectDir, env });
  await run("pulumi", ["stack", "import", "--stack", stack, "--file", file], {
    cwd: projectDir,
    env,
  });
}

async function createAlarms(endpoint: string, outputs: CohortOutput[]): Promise<void> {
  const client = new CloudWatchClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  try {
    for (const o of outputs) {
      const metrics = o.alarms.filter((a) => a.kind === "metric");
      for (const a of metrics) {
        await client.send(
          new PutMetricAlarmCommand({
            AlarmName: a.name,
            Namespace: "Shop",
            MetricName: "5xx",
            Dimensions: [{ Name: "cohort", Value: o.name }],
            Statistic: "Sum",
            Period: a.periodSeconds,
            EvaluationPeriods: a.evaluationPeriods,
            DatapointsToAlarm: a.datapointsToAlarm,
            Threshold: 1,
            ComparisonOperator: "GreaterThanOrEqualToThreshold",
          }),
        );
      }
      await client.send(
        new PutCompositeAlarmCommand({
          AlarmName: o.compositeAlarmName,
          AlarmRule: metrics.map((m) => `ALARM("${m.name}")`).join(" OR "),
        }),
      );
      for (const name of o.alarmNames) {
        await client.send(
          new SetAlarmStateCommand({ AlarmName: name, StateValue: "OK", StateReason: "seeded" }),
        );
      }
    }
  } finally {
    client.destroy();
  }
}

/** Writes the Pulumi project, imports its stacks and creates their alarms. */
export async function seedConsumerEnvironment(options: {
  projectDir: string;
  /** Environment for `pulumi` (PATH with the engine, PULUMI_BACKEND_URL, passphrase). */
  env: NodeJS.ProcessEnv;
  cloudwatchEndpoint: string;
}): Promise<void> {
  const { projectDir, env } = options;
  writeFileSync(join(projectDir, "Pulumi.yaml"), `name: ${PROJECT}\nruntime: nodejs\n`);
  await importStack(projectDir, env, PROJECT, { environment: ENVIRONMENT });
  const outputs = COHORTS.map(cohortOutput);
  for (const o of outputs) {
    await importStack(projectDir, env, stackOf(o.name), { cohorts: { [o.name]: o } });
  }
  await createAlarms(options.cloudwatchEndpoint, outputs);
}
