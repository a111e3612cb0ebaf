/**
 * The CloudWatch gate failing closed when the AWS API goes away mid-bake:
 * the real runner, the real CloudWatchGate against moto, the file ledger and
 * the real clock (short bake and backoff). moto is stopped while the wave is
 * baking; the runner retries with backoff, records the error, fails the gate
 * and reverts the cohort. The test kit's in-memory StackDriver is enough here:
 * what is under test is the gate path, not Pulumi.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudWatchGate } from "../../stacks/rollout/adapters/cloudwatch-gate.js";
import { realClock } from "../../stacks/rollout/adapters/real-clock.js";
import type { RolloutEvent } from "../../stacks/rollout/core/events.js";
import { FileLedger } from "../../stacks/rollout/adapters/ledger-file.js";
import type { Pin } from "../../stacks/rollout/core/ports.js";
import type { ProgressUpdate } from "../../stacks/rollout/core/progress.js";
import { Runner } from "../../stacks/rollout/executor/runner.js";
import { FakeDriver } from "../kit/driver.js";
import { awsTestClientConfig, ensureMoto, startMoto, type MotoServer } from "../support/moto.js";

const ALARMS = ["outage-5xx", "outage-latency"];
const moto = await ensureMoto();

describe.skipIf(!moto.available)(
  `gate fails closed when the API goes away ${moto.reason ?? ""}`,
  () => {
    let aws: MotoServer;
    beforeAll(async () => {
      aws = await startMoto();
      const cw = new CloudWatchClient(awsTestClientConfig(aws.endpoint));
      for (const name of ALARMS) {
        await cw.send(
          new PutMetricAlarmCommand({
            AlarmName: name,
            Namespace: "Cohort/Test",
            MetricName: name,
            Statistic: "Sum",
            Period: 10,
            EvaluationPeriods: 1,
            Threshold: 1,
            ComparisonOperator: "GreaterThanOrEqualToThreshold",
          }),
        );
        await cw.send(
          new SetAlarmStateCommand({ AlarmName: name, StateValue: "OK", StateReason: "calm" }),
        );
      }
      cw.destroy();
    });
    afterAll(async () => {
      await aws.stop();
    });

    it("retries with backoff, then records the error, fails the gate and reverts", async () => {
      const ledger = new FileLedger(join(mkdtempSync(join(tmpdir(), "outage-")), "prod.jsonl"));
      const driver = new FakeDriver(realClock);
      driver.applyMs = 0;
      const previous: Pin = { release: "r0", version: "0.9.0", config: {} };
      driver.addStack("prod.free", previous);
      const gate = new CloudWatchGate({
        ...awsTestClientConfig(aws.endpoint),
        connectionTimeoutMs: 500,
        requestTimeoutMs: 1000,
      });
      const planned: RolloutEvent = {
        type: "planned",
        release: "r1",
        releaseSpec: { id: "r1", version: "1.0.0", config: {} },
        environment: "prod",
        waves: [
          {
            index: 0,
            targets: [
              {
                cohort: "free",
                stack: "prod.free",
                criticality: 0,
                bakeMs: 20_000,
                alarmNames: ALARMS,
                edge: false,
              },
            ],
          },
        ],
        policy: { insufficientData: "hold", pollIntervalMs: 100, allowDataLoss: false },
      };
      await ledger.append(planned, 1);

      let outageAt = 0;
      let stopping: Promise<void> | undefined;
      const progress = (update: ProgressUpdate): void => {
        // The first bake reading saw the alarms: now the API goes away.
        if (update.kind === "bake" && !stopping) {
          expect(update.alarms.map((a) => a.state)).toEqual(["OK", "OK"]);
          outageAt = Date.now();
          stopping = aws.stop();
        }
      };
      const runner = new Runner(
        { driver, gate, ledger, clock: realClock, progress },
        { gateAttempts: 3, gateBackoffMs: 200, signal: AbortSignal.timeout(30_000) },
      );
      const result = await runner.run("r1").catch(async (error: unknown) => {
        // Say where it stopped: the ledger is the whole story.
        const types = (await ledger.read()).map((r) => (r.event as RolloutEvent).type);
        throw new Error(`runner stopped (${String(error)}); ledger: ${types.join(", ")}`);
      });
      const failedAt = Date.now();
      await stopping;
      gate.close();

      expect(result.outcome).toBe("failed");
      const events = (await ledger.read()).map((r) => r.event as RolloutEvent);
      const errored = events.find((e) => e.type === "observed" && e.error !== undefined);
      expect(errored).toMatchObject({ phase: "bake", cohort: "free" });
      expect(errored?.type === "observed" && errored.error).toMatch(/^3 attempts: /);
      expect(events.find((e) => e.type === "failed")).toMatchObject({
        cohort: "free",
        cause: "gate",
      });
      expect(events.map((e) => e.type).slice(-3)).toEqual([
        "reverting",
        "reverted",
        "release-failed",
      ]);
      // Whether the runner refreshes before reverting is its own choice; the updates are not.
      expect(
        driver.calls.filter((c) => c.op !== "refresh").map((c) => `${c.op} ${c.stack}`),
      ).toEqual(["preview prod.free", "apply prod.free", "revert prod.free"]);
      expect(driver.calls.find((c) => c.op === "apply")?.release).toBe("r1");
      expect(driver.pinOf("prod.free")).toEqual(previous);
      // Two backoff sleeps (200 ms + 400 ms) before failing closed, well before the bake ended.
      expect(failedAt - outageAt).toBeGreaterThanOrEqual(600);
      expect(failedAt - outageAt).toBeLessThan(15_000);
    }, 60_000);
  },
);
