import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "compute-stays-in-cohort", resource: "free-app-sa" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    const proRole = new aws.iam.Role("pro-app-role", {
      name: "svc-dev-pro-app",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.example" },
            Action: "sts:AssumeRoleWithWebIdentity",
          },
        ],
      }),
      tags: cohortTags("pro"),
    });
    // IRSA: every pod of free running as this service account gets pro's AWS identity.
    new k8s.core.v1.ServiceAccount("free-app-sa", {
      metadata: {
        name: "app",
        namespace: "cohort-free",
        labels: cohortTags("free"),
        annotations: { "eks.amazonaws.com/role-arn": proRole.arn },
      },
    });
  },
};
