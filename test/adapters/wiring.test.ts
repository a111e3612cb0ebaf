/**
 * createPorts: option validation (every problem at once), which adapter backs
 * which port, the Pulumi project namespace read from Pulumi.yaml, and the AWS
 * endpoint override (explicit or AWS_ENDPOINT_URL) against moto.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutomationDriver } from "../../stacks/rollout/adapters/automation-driver.js";
import { CloudWatchGate } from "../../stacks/rollout/adapters/cloudwatch-gate.js";
import {
  createLedgerTable,
  DynamoDbLedger,
} from "../../stacks/rollout/adapters/dynamodb-ledger.js";
import {
  createPorts,
  PortsOptionsError,
  type PortsOptions,
} from "../../stacks/rollout/adapters/wiring.js";
import { FileLedger } from "../../stacks/rollout/adapters/ledger-file.js";
import { awsTestClientConfig, ensureMoto, sharedMoto, type MotoServer } from "../support/moto.js";
import { RecordingPulumi } from "./recording-pulumi.js";

function project(name = "shop-api"): string {
  const dir = mkdtempSync(join(tmpdir(), "wiring-"));
  writeFileSync(join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
  return dir;
}

const TEST_ENV = {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_REGION: "us-east-1",
};

describe("createPorts", () => {
  it("builds the file ledger next to the project by default, with the Automation API driver and CloudWatch gate", async () => {
    const dir = project();
    const ports = createPorts({ projectDir: dir, environment: "prod", env: {} });
    try {
      expect(ports.driver).toBeInstanceOf(AutomationDriver);
      expect(ports.gate).toBeInstanceOf(CloudWatchGate);
      expect(ports.ledger).toBeInstanceOf(FileLedger);
      expect(ports.ledgerLocation).toBe(join(dir, ".rollout", "prod.ledger.jsonl"));
      expect(typeof ports.clock.now()).toBe("number");
      await ports.ledger.append({ type: "probe" }, 1);
      expect(readFileSync(ports.ledgerLocation, "utf8")).toContain('"probe"');
    } finally {
      ports.close();
    }
  });

  it("honours an explicit ledger path", () => {
    const dir = project();
    const path = join(dir, "elsewhere", "l.jsonl");
    const ports = createPorts({ projectDir: dir, environment: "prod", ledgerPath: path, env: {} });
    expect(ports.ledgerLocation).toBe(path);
    expect(existsSync(path)).toBe(false);
    ports.close();
  });

  it("namespaces config keys with the project name from Pulumi.yaml", async () => {
    const dir = project("shop-api");
    const cli = new RecordingPulumi([
      [["stack", "select"], { stdout: "" }],
      [
        ["config", "--show-secrets", "--json"],
        {
          stdout: JSON.stringify({
            "shop-api:pin": { value: '{"release":"r1","version":"1.0.0","config":{}}' },
          }),
        },
      ],
    ]);
    const ports = createPorts({
      projectDir: dir,
      environment: "prod",
      pulumiCommand: cli,
      env: {},
    });
    expect(await ports.driver.readPin("prod.free")).toEqual({
      release: "r1",
      version: "1.0.0",
      config: {},
    });
    expect(cli.calls.every((c) => c.cwd === dir)).toBe(true);
    ports.close();
  });

  it("reports every bad option at once, with hints, and creates nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "wiring-empty-"));
    const bad = {
      projectDir: dir,
      environment: "prod/../x",
      ledger: "dynamodb",
      endpoint: "not a url",
    } as PortsOptions;
    let error: unknown;
    try {
      createPorts(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PortsOptionsError);
    const problems = (error as PortsOptionsError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^environment: /),
        expect.stringMatching(/^ledgerTable: required with ledger "dynamodb"; hint: /),
        expect.stringMatching(/^endpoint: must be a URL/),
      ]),
    );
    expect((error as Error).message).toContain("invalid rollout options");
    expect(existsSync(join(dir, ".rollout"))).toBe(false);
  });

  it("refuses a project dir without Pulumi.yaml and a table with the file ledger", () => {
    const dir = mkdtempSync(join(tmpdir(), "wiring-noproj-"));
    expect(() => createPorts({ projectDir: dir, environment: "prod", env: {} })).toThrow(
      /projectDir: no Pulumi\.yaml in .*hint: --project-dir/,
    );
    expect(() =>
      createPorts({ projectDir: project(), environment: "prod", ledgerTable: "t1x", env: {} }),
    ).toThrow(/ledgerTable: only used with ledger "dynamodb"/);
  });
});

const moto = await ensureMoto();

describe.skipIf(!moto.available)(`createPorts against moto ${moto.reason ?? ""}`, () => {
  let aws: MotoServer;
  beforeAll(async () => {
    aws = await sharedMoto();
    const cw = new CloudWatchClient(awsTestClientConfig(aws.endpoint));
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: "wiring-5xx",
        Namespace: "Cohort/Test",
        MetricName: "Errors",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 2,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      }),
    );
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: "wiring-5xx", StateValue: "ALARM", StateReason: "t" }),
    );
    cw.destroy();
    await createLedgerTable("wiring-ledger", awsTestClientConfig(aws.endpoint));
  });
  afterAll(async () => {
    await aws.stop();
  });

  it("points the gate at AWS_ENDPOINT_URL when no endpoint is given", async () => {
    const ports = createPorts({
      projectDir: project(),
      environment: "prod",
      env: { ...TEST_ENV, AWS_ENDPOINT_URL: aws.endpoint },
      region: "us-east-1",
    });
    const saved = { ...process.env };
    Object.assign(process.env, TEST_ENV);
    try {
      const [reading] = await ports.gate.read(["wiring-5xx"]);
      expect(reading).toMatchObject({ exists: true, state: "ALARM", periodSeconds: 60 });
    } finally {
      process.env = saved;
      ports.close();
    }
  });

  it("builds the DynamoDB ledger on the given table and endpoint", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, TEST_ENV);
    const ports = createPorts({
      projectDir: project(),
      environment: "prod-wiring",
      ledger: "dynamodb",
      ledgerTable: "wiring-ledger",
      endpoint: aws.endpoint,
      region: "us-east-1",
      env: {},
    });
    try {
      expect(ports.ledger).toBeInstanceOf(DynamoDbLedger);
      expect(ports.ledgerLocation).toBe("dynamodb://wiring-ledger/prod-wiring");
      await ports.ledger.append({ type: "probe" }, 1);
      expect((await ports.ledger.read()).map((r) => r.event)).toEqual([{ type: "probe" }]);
    } finally {
      process.env = saved;
      ports.close();
    }
  });
});
