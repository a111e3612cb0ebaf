/**
 * Bad stack config through the example program (stacks/program.ts): one
 * error naming every problem by the config key or environment file it lives
 * in, and nothing registered — not the component, not even the cohort stack's
 * StackReference to the edge. Plus a preview run: unknown ids and ARNs (as in
 * a real `pulumi preview`) register the same graph without crashing.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { CohortSpecError } from "../../components/errors.js";
import { PROJECT, runProgram } from "../../stacks/program.js";
import { GraphRecorder } from "./support/graph-recorder.js";
import { loadStackConfig, previewExampleStack, runExampleStack } from "./support/program-runner.js";

/** Runs the program for `stack` with config edits; expects one CohortSpecError and no registration. */
async function rejectsConfig(
  stack: string,
  edits: Record<string, string | undefined>,
  environment?: unknown,
): Promise<CohortSpecError> {
  const recorder = new GraphRecorder({ stack }).install();
  const config = loadStackConfig(stack);
  for (const [key, value] of Object.entries(edits)) {
    if (value === undefined) delete config[`${PROJECT}:${key}`];
    else config[`${PROJECT}:${key}`] = value;
  }
  pulumi.runtime.setAllConfig(config);
  let caught: unknown;
  try {
    runProgram(environment === undefined ? {} : { loadEnvironment: () => environment });
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(CohortSpecError);
  await new Promise((r) => setTimeout(r, 20));
  expect(recorder.registrations).toBe(0);
  return caught as CohortSpecError;
}

const paths = (e: CohortSpecError) => e.problems.map((p) => p.path);

describe("bad stack config", () => {
  it("a cohort stack naming a cohort the environment does not define", async () => {
    const e = await rejectsConfig("prod.free", { cohort: "gold" });
    expect(paths(e)).toContain("cohort-service:cohort");
    expect(e.message).toMatch(
      /^stack prod\.free: .*nothing was created\.\n {2}- cohort-service:cohort: the environment does not define cohort "gold" \(defined cohorts: free, pro, enterprise\)/,
    );
  });

  it("a cohort stack without its pin and without networking: every problem at once", async () => {
    const e = await rejectsConfig("prod.pro", {
      pin: undefined,
      vpcId: undefined,
      subnetIds: "[]",
    });
    expect(paths(e).sort()).toEqual([
      "cohort-service:pin",
      "cohort-service:subnetIds",
      "cohort-service:vpcId",
    ]);
    for (const p of e.problems) expect(p.hint.length).toBeGreaterThan(0);
  });

  it("an empty version in a cohort stack's pin names the pin key", async () => {
    const e = await rejectsConfig("prod.free", {
      pin: JSON.stringify({ release: "r1", version: "" }),
    });
    expect(paths(e)).toEqual(["cohort-service:pin.version"]);
  });

  it("config values that are not JSON or not a boolean: one error with every problem, by key", async () => {
    const e = await rejectsConfig("prod.free", {
      pin: "1.5.0",
      subnetIds: "subnet-a",
      internal: "yes",
      vpcId: undefined,
    });
    expect(paths(e).sort()).toEqual([
      "cohort-service:internal",
      "cohort-service:pin",
      "cohort-service:subnetIds",
      "cohort-service:vpcId",
    ]);
    expect(e.problems.find((p) => p.path === "cohort-service:pin")?.problem).toMatch(/JSON/);
  });

  it("an unknown part", async () => {
    const e = await rejectsConfig("dev", { part: "sideways" });
    expect(paths(e)).toEqual(["cohort-service:part"]);
    expect(e.problems[0]?.hint).toMatch(/"all", "edge", "cohort"/);
  });

  it("problems in the environment definition name the environment", async () => {
    const e = await rejectsConfig(
      "dev",
      {},
      {
        name: "dev",
        cohorts: [
          { name: "free", criticality: 0, match: { header: "free" } },
          { name: "free", criticality: -2, match: { header: "other" } },
        ],
      },
    );
    expect(paths(e).sort()).toEqual(
      [
        "environment/dev:cohorts[1].criticality",
        "environment/dev:cohorts[1].name",
        "cohort-service:pins.pro",
        "cohort-service:pins.enterprise",
      ].sort(),
    );
    // The dev pins name pro and enterprise, which this definition lacks.
    expect(e.message).toMatch(/pin for unknown cohort "pro"/);
  });

  it("the example files themselves are valid (the control for the cases above)", async () => {
    const run = await runExampleStack("dev");
    expect(Object.keys(run.outputs.cohorts).sort()).toEqual(["enterprise", "free", "pro"]);
  });
});

describe("stack reference to the edge", () => {
  it("defaults to the file backend's name and follows cohort-service:edgeStackRef when set", async () => {
    const edge = await runExampleStack("prod");
    const byDefault = await runExampleStack("prod.free", { edgeOutputs: edge.outputs });
    expect(byDefault.graph.ofType("pulumi:pulumi:StackReference").map((r) => r.name)).toEqual([
      "organization/cohort-service/prod",
    ]);
    const cloud = await runExampleStack("prod.free", {
      edgeOutputs: edge.outputs,
      config: { edgeStackRef: "acme/cohort-service/prod" },
    });
    expect(cloud.graph.ofType("pulumi:pulumi:StackReference").map((r) => r.name)).toEqual([
      "acme/cohort-service/prod",
    ]);
    // The rule hangs on the listener the edge stack exported.
    const rule = cloud.graph.resources.find((r) => r.name === "service-free-rule");
    expect(rule?.inputs.listenerArn).toBe(edge.outputs.edge?.listenerArn);
  });
});

describe("preview (unknown ids and ARNs)", () => {
  it("registers the same resources as an update, without crashing on unknowns", async () => {
    const update = await runExampleStack("dev");
    const preview = await previewExampleStack("dev");
    expect(preview.graph.resources.map((r) => r.urn).sort()).toEqual(
      update.graph.resources.map((r) => r.urn).sort(),
    );
    // An ARN the mock does not return stays unknown in preview: the policy document never resolves.
    const policy = preview.graph.resources.find((r) => r.name === "service-free-task-policy");
    expect(policy).toBeDefined();
    // The engine's marker for an unknown value (`unknownValue` in @pulumi/pulumi/runtime/rpc).
    expect(policy?.inputs.policy).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
    // While a known input (the role's name) is sent as is.
    const role = preview.graph.resources.find((r) => r.name === "service-free-task-role");
    expect(role?.inputs.name).toBe("svc-dev-free-task");
  });
});
