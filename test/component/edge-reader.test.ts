/**
 * A cohort stack may give `edge` as an EdgeReader: the component validates its args once,
 * and only then, and only for a cohort that routes through the shared edge, asks the reader
 * for the edge's ids. So a program need not validate beforehand with a placeholder edge to
 * keep bad input from registering its stack reference.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import type { CohortSegmentedServiceArgs, EdgeReference } from "../../components/args.js";
import { CohortSpecError } from "../../components/errors.js";
import { CohortSegmentedService } from "../../components/service.js";
import { cohort, pin, validArgs } from "./support/args.js";
import { GraphRecorder } from "./support/graph-recorder.js";

const EDGE: EdgeReference = {
  listenerArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/edge/1/2",
  loadBalancerArnSuffix: "app/edge/1",
  securityGroupId: "sg-edge",
  dnsName: "edge.example.com",
};

let recorder: GraphRecorder;
beforeEach(() => {
  recorder = new GraphRecorder({
    stack: "prod.free",
    stackOutputs: { "organization/cohort-service/test": {} },
  }).install();
});

/** A reader that records each call (and registers a stack reference, as a program's would). */
function countingReader(): { calls: string[]; read: (edgeStack: string) => EdgeReference } {
  const calls: string[] = [];
  return {
    calls,
    read: (edgeStack) => {
      calls.push(edgeStack);
      new pulumi.StackReference(`organization/cohort-service/${edgeStack}`);
      return EDGE;
    },
  };
}

function cohortArgs(
  overrides: Partial<CohortSegmentedServiceArgs> = {},
): CohortSegmentedServiceArgs {
  return validArgs({ part: "cohort", cohort: "free", pins: { free: pin() }, ...overrides });
}

describe("edge given as a reader", () => {
  it("is asked once, with the validated edge stack name, and its ids are used", async () => {
    const reader = countingReader();
    new CohortSegmentedService("svc", cohortArgs({ edge: reader.read }));
    const graph = await recorder.settle();
    expect(reader.calls).toEqual(["test"]);
    const rule = graph.resources.find((r) => r.name === "svc-free-rule");
    expect(rule?.inputs.listenerArn).toBe(EDGE.listenerArn);
  });

  it("is never asked when the args are invalid, and nothing is registered", async () => {
    const reader = countingReader();
    let caught: unknown;
    try {
      new CohortSegmentedService(
        "svc",
        cohortArgs({
          edge: reader.read,
          network: { vpcId: "", subnetIds: [], certificateArn: "" },
        }),
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CohortSpecError);
    expect(reader.calls).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(recorder.registrations).toBe(0);
  });

  it("is not asked for a cohort with its own load balancer", async () => {
    const reader = countingReader();
    new CohortSegmentedService(
      "svc",
      cohortArgs({
        environment: {
          name: "test",
          cohorts: [
            cohort("free", 0, { ingress: "dedicated", match: { hosts: ["free.example.com"] } }),
          ],
        },
        edge: reader.read,
      }),
    );
    const graph = await recorder.settle();
    expect(reader.calls).toEqual([]);
    expect(graph.ofType("pulumi:pulumi:StackReference")).toEqual([]);
    expect(graph.resources.length).toBeGreaterThan(0);
  });
});
