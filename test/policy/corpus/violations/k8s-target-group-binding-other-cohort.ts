import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

/** Cohort free's TargetGroupBinding registers free's pods in cohort pro's target group. */
export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "free-binding" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    const groups = Object.fromEntries(
      ["free", "pro"].map((c) => [
        c,
        new aws.lb.TargetGroup(`${c}-tg`, {
          name: `tg-${c}-0a1b2c`,
          port: 8080,
          protocol: "HTTP",
          targetType: "ip",
          vpcId: "vpc-0123456789abcdef0",
          tags: cohortTags(c),
        }),
      ]),
    );
    new k8s.apiextensions.CustomResource("free-binding", {
      apiVersion: "elbv2.k8s.aws/v1beta1",
      kind: "TargetGroupBinding",
      metadata: {
        name: "cohort-target-group",
        namespace: "cohort-free",
        labels: cohortTags("free"),
      },
      spec: {
        serviceRef: { name: "app", port: 80 },
        targetGroupARN: groups.pro?.arn,
        targetType: "ip",
      },
    });
  },
};
