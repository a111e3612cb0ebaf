/**
 * Invariant 4 when matches overlap: the ALB evaluates rules lowest priority
 * first and sends a request to the first rule that matches, so a rule whose
 * match covers part of another cohort's match must never be evaluated first.
 * A wildcard host (`*.example.com`) covers a literal one (`api.example.com`);
 * a header-only rule covers a host+header rule with the same header value.
 */
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import type { CohortSegmentedServiceArgs } from "../../components/args.js";
import { CohortSpecError } from "../../components/errors.js";
import { CohortSegmentedService } from "../../components/service.js";
import type { CohortSpecInput } from "../../components/spec.js";
import { NETWORK, pin } from "./support/args.js";
import { GraphRecorder, outputValue } from "./support/graph-recorder.js";
import { routingViolations } from "./support/invariants.js";

let recorder: GraphRecorder;
beforeEach(() => {
  recorder = new GraphRecorder({ stack: "routing" }).install();
});

function args(cohorts: CohortSpecInput[]): CohortSegmentedServiceArgs {
  return {
    environment: { name: "test", cohorts },
    part: "all",
    pins: Object.fromEntries(cohorts.map((c) => [c.name, pin()])),
    network: NETWORK,
  };
}

async function rulePriorities(cohorts: CohortSpecInput[]) {
  new CohortSegmentedService("svc", args(cohorts));
  const graph = await recorder.settle();
  const priorities = Object.fromEntries(
    graph
      .ofType("aws:lb/listenerRule:ListenerRule")
      .map((r) => [r.name.replace(/^svc-|-rule$/g, ""), Number(r.inputs.priority)]),
  );
  const routing = cohorts.map((c) => ({
    name: c.name,
    ingress: c.ingress ?? "shared",
    match: c.match,
  }));
  return { priorities, violations: routingViolations(graph, routing, "x-customer-cohort") };
}

function rejects(cohorts: CohortSpecInput[]): CohortSpecError {
  let caught: unknown;
  try {
    new CohortSegmentedService("svc", args(cohorts));
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(CohortSpecError);
  expect(recorder.registrations).toBe(0);
  return caught as CohortSpecError;
}

describe("derived priorities with wildcard hosts", () => {
  // Names chosen so that, by hash alone, the wildcard cohort would sort first.
  it("a literal host rule is evaluated before a wildcard host rule that covers it", async () => {
    const { priorities, violations } = await rulePriorities([
      { name: "public", criticality: 0, match: { hosts: ["*.example.com"] } },
      { name: "partner", criticality: 1, match: { hosts: ["api.example.com"] } },
    ]);
    expect(priorities.partner).toBeLessThan(priorities.public ?? 0);
    expect(violations).toEqual([]);
  });

  it("the same with a header: literal host+header before wildcard host+header", async () => {
    const { priorities, violations } = await rulePriorities([
      { name: "public", criticality: 0, match: { hosts: ["*.example.com"], header: "x" } },
      { name: "partner", criticality: 1, match: { hosts: ["api.example.com"], header: "x" } },
    ]);
    expect(priorities.partner).toBeLessThan(priorities.public ?? 0);
    // ...and both still before every header-only rule.
    expect(Math.max(...Object.values(priorities))).toBeLessThan(11_000);
    expect(violations).toEqual([]);
  });
});

describe("overlapping matches the ALB would resolve to the wrong cohort", () => {
  it("explicit priorities that put a header-only rule before a host+header rule with the same header", () => {
    const e = rejects([
      { name: "free", criticality: 0, match: { header: "gold" }, priority: 10 },
      {
        name: "gold",
        criticality: 1,
        match: { hosts: ["api.example.com"], header: "gold" },
        priority: 20,
      },
    ]);
    expect(e.problems.map((p) => p.path)).toEqual(["environment.cohorts[1].match"]);
    expect(e.message).toMatch(/cohorts\[0\] \("free", priority 10\)/);
  });

  it("two host-only cohorts sharing a literal host", () => {
    const e = rejects([
      { name: "free", criticality: 0, match: { hosts: ["a.example.com", "b.example.com"] } },
      { name: "pro", criticality: 1, match: { hosts: ["b.example.com", "c.example.com"] } },
    ]);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]?.problem).toMatch(/"b\.example\.com"/);
  });

  it("a wildcard host covering a host of a cohort with an explicit, later priority", () => {
    const e = rejects([
      { name: "public", criticality: 0, match: { hosts: ["*.example.com"] }, priority: 5 },
      { name: "partner", criticality: 1, match: { hosts: ["api.example.com"] }, priority: 6 },
    ]);
    expect(e.problems.map((p) => p.path)).toEqual(["environment.cohorts[1].match"]);
  });

  it("header values compare case-insensitively, as the ALB does", () => {
    const e = rejects([
      { name: "free", criticality: 0, match: { header: "Gold" }, priority: 10 },
      {
        name: "gold",
        criticality: 1,
        match: { hosts: ["api.example.com"], header: "gold" },
        priority: 20,
      },
    ]);
    expect(e.problems.map((p) => p.path)).toEqual(["environment.cohorts[1].match"]);
  });

  it("dedicated cohorts have their own ALB and are not compared", async () => {
    const { violations } = await rulePriorities([
      { name: "public", criticality: 0, match: { hosts: ["*.example.com"] }, priority: 5 },
      {
        name: "partner",
        criticality: 1,
        match: { hosts: ["api.example.com"] },
        ingress: "dedicated",
      },
    ]);
    expect(violations).toEqual([]);
  });

  it("disjoint specificity is fine: host+header before header-only with the same value", async () => {
    const { violations } = await rulePriorities([
      { name: "free", criticality: 0, match: { header: "free" } },
      { name: "beta", criticality: 1, match: { hosts: ["beta.example.com"], header: "free" } },
      { name: "web", criticality: 2, match: { hosts: ["beta.example.com"] } },
    ]);
    expect(violations).toEqual([]);
  });
});

describe("endpoints", () => {
  it("name a literal host, never a wildcard pattern", async () => {
    const service = new CohortSegmentedService(
      "svc",
      args([
        {
          name: "shop",
          criticality: 0,
          match: { hosts: ["*.shop.example.com", "shop.example.com"] },
        },
        { name: "any", criticality: 1, match: { hosts: ["*.any.example.com"], header: "any" } },
      ]),
    );
    await recorder.settle();
    const cohorts = await outputValue(service.cohorts);
    expect(cohorts.shop?.endpoint).toBe("https://shop.example.com");
    // No literal host: the load balancer's DNS name, with the header to send.
    expect(cohorts.any?.endpoint).toMatch(
      /^https:\/\/dns:sentinel:[^*]+ \(header x-customer-cohort: any\)$/,
    );
  });
});

describe("random overlapping matches", () => {
  const host = fc.constantFrom(
    "api.example.com",
    "eu.api.example.com",
    "*.example.com",
    "*.api.example.com",
    "shop.example.com",
  );
  const match = fc.record(
    {
      hosts: fc.uniqueArray(host, { minLength: 1, maxLength: 2 }),
      header: fc.constantFrom("a", "b", "A"),
    },
    { requiredKeys: [] },
  );
  const cohorts = fc
    .uniqueArray(fc.constantFrom("c1", "c2", "c3", "c4", "c5"), { minLength: 2, maxLength: 4 })
    .chain((names) =>
      fc.tuple(...names.map(() => match)).map((matches) =>
        names.map((name, i): CohortSpecInput => ({
          name,
          criticality: i,
          match:
            matches[i]?.hosts === undefined && matches[i]?.header === undefined
              ? { header: name }
              : (matches[i] ?? { header: name }),
        })),
      ),
    );

  it("are either refused, or routed so that no rule takes another cohort's requests", async () => {
    await fc.assert(
      fc.asyncProperty(cohorts, async (defs) => {
        recorder = new GraphRecorder({ stack: "routing" }).install();
        try {
          new CohortSegmentedService("svc", args(defs));
        } catch (e) {
          expect(e).toBeInstanceOf(CohortSpecError);
          expect(recorder.registrations).toBe(0);
          return;
        }
        const graph = await recorder.settle();
        const routing = defs.map((c) => ({
          name: c.name,
          ingress: "shared" as const,
          match: c.match,
        }));
        expect(routingViolations(graph, routing, "x-customer-cohort")).toEqual([]);
      }),
      { numRuns: 15 },
    );
  });
});
