/**
 * The environment definition's rollout settings: `approval` per cohort and
 * `notifications` sinks are validated with everything else (one error, every
 * problem with its path and a hint; a secret written in place of a reference is
 * refused), and the edge exports them in `environment` for cohort-rollout.
 */
import { describe, expect, it } from "vitest";
import { CohortSpecError } from "../../components/errors.js";
import { environmentOutput } from "../../components/service.js";
import { validateArgs } from "../../components/validate.js";
import { cohort, pin, validArgs } from "./support/args.js";

function argsWith(
  environment: Record<string, unknown>,
  cohorts = [cohort("free", 0), cohort("pro", 1, { match: { header: "pro" } })],
) {
  return validArgs({
    environment: { name: "test", cohorts, ...environment },
    pins: Object.fromEntries(cohorts.map((c) => [c.name, pin()])),
  });
}

describe("rollout settings in the environment definition", () => {
  it("every bad sink and approval is named with its path, in one error", () => {
    let caught: unknown;
    try {
      validateArgs(
        "svc",
        argsWith(
          {
            notifications: {
              sinks: [
                {
                  type: "webhook",
                  name: "ops",
                  url: "https://hooks.example.com/x",
                  secret: "hunter2",
                },
                { type: "slack", name: "sre", url: "https://hooks.slack.com/services/T/B/token" },
                { type: "sns", name: "pager", topicArn: "rollouts" },
                { type: "pagerduty", name: "pd" },
              ],
            },
          },
          [cohort("free", 0, { approval: "yes" } as never)],
        ),
      );
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CohortSpecError);
    const paths = (caught as CohortSpecError).problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "environment.notifications.sinks[0].secret",
        "environment.notifications.sinks[1].url",
        "environment.notifications.sinks[2].topicArn",
        "environment.notifications.sinks[3].type",
        "environment.cohorts[0].approval",
      ]),
    );
    // The secret itself is never echoed back.
    expect((caught as Error).message).not.toContain("hunter2");
    expect((caught as Error).message).toContain("never the secret itself");
  });

  it("valid settings reach the environment output; absent ones leave it as it was", () => {
    const v = validateArgs(
      "svc",
      argsWith(
        {
          notifications: {
            sinks: [
              { type: "slack", name: "sre", url: "env:SLACK_WEBHOOK_URL", kinds: ["gate-failed"] },
            ],
          },
        },
        [
          cohort("free", 0),
          cohort("enterprise", 2, {
            match: { header: "enterprise" },
            approval: "required",
            approvers: ["alice", "bob"],
          } as never),
        ],
      ),
    );
    const out = environmentOutput(v.environment, "edge");
    expect(out.notifications?.sinks).toEqual([
      {
        type: "slack",
        name: "sre",
        url: "env:SLACK_WEBHOOK_URL",
        kinds: ["gate-failed"],
        attempts: 5,
        timeoutSeconds: 10,
      },
    ]);
    expect(out.cohorts.find((c) => c.name === "enterprise")).toMatchObject({
      approval: "required",
      approvers: ["alice", "bob"],
    });
    const free = out.cohorts.find((c) => c.name === "free");
    expect(free && "approval" in free).toBe(false);
    const plain = environmentOutput(validateArgs("svc", argsWith({})).environment, "edge");
    expect("notifications" in plain).toBe(false);
  });
});
