import { describe, expect, it } from "vitest";
import {
  cohortOutputSchema,
  environmentOutputSchema,
  pinSchema,
} from "../../components/contract.js";
import {
  COHORT_NAME_PATTERN,
  cohortNamespace,
  cohortResourcePrefix,
  cohortTags,
  cloudflareCohortTag,
  ingressTags,
} from "../../components/identity.js";

describe("stack output contract", () => {
  it("defaults a pin's config to an empty map", () => {
    expect(pinSchema.parse({ release: "r1", version: "1.0.0" })).toEqual({
      release: "r1",
      version: "1.0.0",
      config: {},
    });
  });

  it("rejects a cohort output without alarms, naming the path", () => {
    const result = cohortOutputSchema.safeParse({
      name: "free",
      criticality: 0,
      pin: { release: "r1", version: "1" },
      alarmNames: [],
      compositeAlarmName: "c",
      endpoint: "https://x",
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toContain("alarmNames");
  });

  it("requires at least one cohort in an environment", () => {
    expect(environmentOutputSchema.safeParse({ name: "prod", cohorts: [] }).success).toBe(false);
  });
});

describe("identity convention", () => {
  it("accepts DNS-label cohort names and refuses others", () => {
    for (const ok of ["free", "pro", "enterprise", "eu-1"])
      expect(COHORT_NAME_PATTERN.test(ok)).toBe(true);
    for (const bad of ["", "Free", "1st", "pro-", "a_b", "x".repeat(21)])
      expect(COHORT_NAME_PATTERN.test(bad)).toBe(false);
  });

  it("marks cohort resources and shared ingress differently", () => {
    expect(cohortTags("pro")).toEqual({ cohort: "pro" });
    expect(ingressTags()).toEqual({ "cohort-ingress": "shared" });
    expect(cloudflareCohortTag("pro")).toBe("cohort:pro");
    expect(cohortNamespace("pro")).toBe("cohort-pro");
    expect(cohortResourcePrefix("prod", "pro")).toBe("svc-prod-pro");
  });
});
