/**
 * Sets up a throwaway project for the fake `pulumi` (see bin/pulumi): a
 * work dir with Pulumi.yaml, a state dir, and the fixture file, plus the
 * driver options that plug the fake in.
 *
 *   const fake = createFakePulumiProject({ environment, badVersions: ["6.6.6"] });
 *   const driver = new AutomationDriver(fake.driverOptions);
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AlarmOutput, EnvironmentOutput } from "../../../components/contract.js";
import type { AutomationDriverOptions } from "../../../stacks/rollout/adapters/automation-driver.js";

export const FAKE_PULUMI_ROOT = dirname(fileURLToPath(import.meta.url));

export type FakeFault =
  | { op?: "up"; mode: "fail" | "hang" | "pending" | "crash"; times?: number; version?: string }
  | { op: "preview" | "refresh"; mode: "fail"; times?: number; version?: string };

export interface FakeFixture {
  environment: EnvironmentOutput;
  cohorts?: Record<
    string,
    {
      alarms?: AlarmOutput[];
      compositeAlarmName?: string;
      endpoint?: string;
      /** Versions that are bad in this cohort only (its alarms fire on `up`). */
      badVersions?: string[];
    }
  >;
  /** Versions whose `up` sets the cohort's alarms to ALARM (needs cloudwatchEndpoint). */
  badVersions?: string[];
  /** Versions whose preview/up replaces the cohort's DynamoDB table. */
  storageReplaceVersions?: string[];
  faults?: Record<string, FakeFault[]>;
}

export interface FakePulumiProject {
  workDir: string;
  stateDir: string;
  fixturePath: string;
  env: Record<string, string>;
  driverOptions: AutomationDriverOptions;
  /** Replace the fixture (e.g. add a fault) between calls. */
  writeFixture(fixture: FakeFixture): void;
  /** Whether the stack's lock file exists. */
  isLocked(stack: string): boolean;
  /** The fake backend's record of a stack (config, resources, pending, history). */
  stackState(stack: string): {
    pending: unknown[];
    history: unknown[];
    config: Record<string, { value: string }>;
  };
}

export interface FakePulumiOptions extends FakeFixture {
  /** Moto endpoint for alarm effects of `up`. */
  cloudwatchEndpoint?: string;
  /** Delay per resource step, ms. */
  stepMs?: number;
  /** Use this work dir (must hold Pulumi.yaml) instead of a fresh one. */
  workDir?: string;
  extraEnv?: Record<string, string>;
}

const created: string[] = [];

/** Remove every project this process created (call from afterAll). */
export function removeFakePulumiProjects(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function createFakePulumiProject(options: FakePulumiOptions): FakePulumiProject {
  const base = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
  created.push(base);
  const workDir = options.workDir ?? join(base, "project");
  mkdirSync(workDir, { recursive: true });
  if (!options.workDir)
    writeFileSync(join(workDir, "Pulumi.yaml"), "name: cohort-service\nruntime: nodejs\n");
  const stateDir = join(base, "state");
  const fixturePath = join(base, "fixture.json");
  const writeFixture = (fixture: FakeFixture) =>
    writeFileSync(fixturePath, JSON.stringify(fixture, null, 2));
  const { cloudwatchEndpoint, stepMs, workDir: _w, extraEnv, ...fixture } = options;
  writeFixture(fixture);
  const env: Record<string, string> = {
    FAKE_PULUMI_STATE: stateDir,
    FAKE_PULUMI_FIXTURE: fixturePath,
    ...(cloudwatchEndpoint ? { FAKE_PULUMI_CLOUDWATCH_ENDPOINT: cloudwatchEndpoint } : {}),
    ...(stepMs !== undefined ? { FAKE_PULUMI_STEP_MS: String(stepMs) } : {}),
    ...extraEnv,
  };
  const file = (stack: string) => `${encodeURIComponent(stack)}.json`;
  return {
    workDir,
    stateDir,
    fixturePath,
    env,
    driverOptions: { workDir, pulumiRoot: FAKE_PULUMI_ROOT, envVars: env },
    writeFixture,
    isLocked(stack) {
      try {
        readFileSync(join(stateDir, "locks", file(stack)));
        return true;
      } catch {
        return false;
      }
    },
    stackState(stack) {
      return JSON.parse(readFileSync(join(stateDir, "stacks", file(stack)), "utf8")) as ReturnType<
        FakePulumiProject["stackState"]
      >;
    },
  };
}
