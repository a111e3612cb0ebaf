/**
 * The project as a user gets it: `npm pack` (each package builds first, in
 * its `prepack` script) of the three packages this repository publishes:
 *
 *   cohort-segmented-service    the component (repository root)
 *   cohort-rollout              the rollout program, a compiled bin (stacks/rollout)
 *   shared-nothing-policy-pack  the CrossGuard pack (policies/shared-nothing)
 *
 * then `npm install` of those tarballs, and nothing else from this checkout,
 * into a consumer project outside the repository (so nothing resolves by
 * walking up into this checkout's node_modules). There:
 *
 *   - each package carries only its own runtime dependencies;
 *   - a TypeScript program typechecks against the shipped declarations, and a
 *     JavaScript program creates the component's resources under mocks;
 *   - `cohort-rollout --help` runs the compiled bin (no tsx installed),
 *     `rehearse --program` rehearses the consumer's own Pulumi project (the
 *     rollout ships no example program and no platform SDK), and
 *     `cohort-rollout plan --json` plans a release over the consumer's own
 *     environment: stacks in a real Pulumi backend (the engine from
 *     scripts/ensure-pulumi.sh) and alarms in CloudWatch (moto, on loopback);
 *   - the policy pack starts the way `pulumi preview --policy-pack
 *     node_modules/shared-nothing-policy-pack` starts it (the installed
 *     @pulumi/pulumi's run-policy-pack over the pack's directory) and serves
 *     its policies.
 *
 * Dependencies come from the local npm cache first (`--prefer-offline`).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACK_NAME, policies } from "../../policies/shared-nothing/policies.js";
import { startPack } from "../policy/support/pack-process.js";
import { engineEnv, inCi, pulumiEngineFor } from "../support/engine.js";
import { ensureMoto, startMoto, type MotoServer } from "../support/moto.js";
import { seedConsumerEnvironment } from "./support/consumer-environment.js";
import {
  type PackedTarball,
  type PartName,
  installConsumer,
  packAll,
  run,
} from "./support/packed-install.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const require = createRequire(import.meta.url);
const TSC = require.resolve("typescript/bin/tsc");
const PACKAGE = "cohort-segmented-service";

const engine = pulumiEngineFor("packaging: cohort-rollout plan over a consumer's environment");
const moto = await ensureMoto();
if (!moto.available && inCi())
  throw new Error(`packaging: moto is unavailable in CI: ${moto.reason ?? ""}`);

/** Generous: each of these starts Node processes over a full install, on a machine busy with other suites. */
const SLOW = 300_000;

let work: string;
let consumer: string;
let tarballs: Record<PartName, PackedTarball>;

/** A TypeScript consumer: compiles only if the shipped declarations are complete. */
const CONSUMER_TS = `
import * as pulumi from "@pulumi/pulumi";
import {
  CohortSegmentedService,
  CohortSpecError,
  type CohortOutput,
  type CohortSegmentedServiceArgs,
} from "${PACKAGE}";

const args: CohortSegmentedServiceArgs = {
  environment: {
    name: "shop",
    cohorts: [
      { name: "free", criticality: 0, match: { header: "free" } },
      { name: "vip", criticality: 1, match: { hosts: ["vip.example.com"] }, ingress: "dedicated" },
    ],
  },
  pins: { free: { release: "r1", version: "1.0.0" }, vip: { release: "r1", version: "1.0.0" } },
  network: { vpcId: "vpc-1", subnetIds: ["subnet-1"], certificateArn: "arn:aws:acm:::certificate/x" },
};
const service = new CohortSegmentedService("shop", args);
export const cohorts: pulumi.Output<Record<string, CohortOutput>> = service.cohorts;
export const isSpecError = (e: unknown): boolean => e instanceof CohortSpecError;
`;

/** A JavaScript consumer run under mocks; prints what it registered as JSON. */
const CONSUMER_JS = `
import * as pulumi from "@pulumi/pulumi";

const types = [];
await pulumi.runtime.setMocks(
  {
    newResource: (a) => {
      types.push(a.type);
      return {
        id: a.name + "-id",
        state: { ...a.inputs, arn: "arn:aws:mock:::" + a.name, arnSuffix: "sfx/" + a.name,
                 dnsName: a.name + ".elb.example", keyId: a.name + "-key" },
      };
    },
    call: (a) =>
      a.token === "aws:index/getCallerIdentity:getCallerIdentity" ? { accountId: "111122223333" }
      : a.token === "aws:index/getRegion:getRegion" ? { region: "eu-west-1", name: "eu-west-1" }
      : a.inputs,
  },
  "consumer", "dev", false,
);

const { CohortSegmentedService, CohortSpecError } = await import("${PACKAGE}");
const network = { vpcId: "vpc-1", subnetIds: ["subnet-1"], certificateArn: "arn:aws:acm:::certificate/x" };
let badInput = "accepted";
try {
  new CohortSegmentedService("bad", { environment: { name: "shop", cohorts: [] }, network });
} catch (e) {
  badInput = e instanceof CohortSpecError ? e.problems.map((p) => p.path).join(",") : String(e);
}
const before = types.length;
const service = new CohortSegmentedService("shop", {
  environment: { name: "shop", cohorts: [{ name: "free", criticality: 0, match: { header: "free" } }] },
  pins: { free: { release: "r1", version: "1.0.0" } },
  network,
});
const cohorts = await new Promise((resolve) => service.cohorts.apply(resolve));
// Wait until registrations stop arriving.
for (let last = -1; last !== types.length; ) {
  last = types.length;
  await new Promise((r) => setTimeout(r, 100));
}
console.log(JSON.stringify({
  resolved: import.meta.resolve("${PACKAGE}"),
  registeredBeforeValidInput: before,
  badInput,
  types,
  cohorts,
}));
`;

/** The consumer's own Pulumi project, which `cohort-rollout rehearse --program app` rehearses. */
const CONSUMER_PROJECT = `name: shop-app
runtime: nodejs
main: program.mjs
stackConfigDir: config
`;
const CONSUMER_STACK_CONFIG = `config:
  shop-app:environment: shop
  shop-app:part: all
`;
const CONSUMER_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { CohortSegmentedService } from "${PACKAGE}";

const config = new pulumi.Config();
const service = new CohortSegmentedService("shop", {
  environment: {
    name: config.require("environment"),
    // One cohort, so one stack holds it (the rehearsal models one cohort per stack).
    cohorts: [{ name: "free", criticality: 0, match: { header: "free" } }],
  },
  pins: { free: { release: "r1", version: "1.0.0" } },
  network: { vpcId: "vpc-1", subnetIds: ["subnet-1"], certificateArn: "arn:aws:acm:::certificate/x" },
});
export const cohorts = service.cohorts;
export const environment = service.environment;
`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cohort-packaging-"));
  consumer = join(work, "consumer");
  tarballs = await packAll(ROOT, work);
  await installConsumer(
    consumer,
    Object.values(tarballs).map((t) => t.path),
  );
  writeFileSync(join(consumer, "index.ts"), CONSUMER_TS);
  writeFileSync(join(consumer, "run.mjs"), CONSUMER_JS);
  const app = join(consumer, "app");
  mkdirSync(join(app, "config"), { recursive: true });
  writeFileSync(join(app, "Pulumi.yaml"), CONSUMER_PROJECT);
  writeFileSync(join(app, "program.mjs"), CONSUMER_PROGRAM);
  writeFileSync(join(app, "config", "Pulumi.shop.yaml"), CONSUMER_STACK_CONFIG);
  writeFileSync(
    join(consumer, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      },
      files: ["index.ts"],
    }),
  );
}, 900_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

const installed = (name: string) => join(consumer, "node_modules", name);

function manifest(name: string): { dependencies?: Record<string, string>; bin?: unknown } {
  return JSON.parse(readFileSync(join(installed(name), "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
}

const sources = (files: string[]) => files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));

describe("the packed packages", () => {
  it("ship compiled entry points and declarations, and no sources or tests", () => {
    const component = tarballs.component.files;
    expect(component).toContain("dist/components/index.js");
    expect(component).toContain("dist/components/index.d.ts");
    expect(component).toContain("dist/components/contract.d.ts");
    expect(component.filter((f) => f.includes("test") || f.includes("stacks/"))).toEqual([]);

    const rollout = tarballs.rollout.files;
    expect(rollout).toContain("bin/cohort-rollout.js");
    expect(rollout).toContain("dist/stacks/rollout/cli/main.js");
    // Data files the rehearsal reads beside its modules.
    expect(rollout).toContain("dist/stacks/rollout/rehearsal/profiles/prod.yaml");
    // The rehearsal runs the user's program (--program), never a copy of the example.
    expect(
      rollout.filter((f) =>
        /dist\/(stacks\/(environments|config|program)|components\/(service|aws|kubernetes|cloudflare))/.test(
          f,
        ),
      ),
    ).toEqual([]);

    const pack = tarballs.pack.files;
    expect(pack).toEqual(expect.arrayContaining(["run.cjs", "PulumiPolicy.yaml"]));
    expect(pack).toContain("dist/policies/shared-nothing/index.js");
    // The pack reaches the component's code only through the identity convention and the
    // naming table (how a cohort's physical names read), which import nothing else.
    expect(pack.filter((f) => f.startsWith("dist/components/")).sort()).toEqual([
      "dist/components/hash.js",
      "dist/components/identity.js",
      "dist/components/naming.js",
    ]);

    for (const t of Object.values(tarballs)) {
      expect(sources(t.files), t.name).toEqual([]);
      expect(
        t.files.filter((f) => /(^|\/)test\//.test(f)),
        t.name,
      ).toEqual([]);
    }
  });

  it("carry only their own runtime dependencies", () => {
    const deps = (name: string) => Object.keys(manifest(name).dependencies ?? {}).sort();
    // The component builds on AWS, Kubernetes and Cloudflare (its platform modules).
    expect(deps("cohort-segmented-service")).toEqual([
      "@pulumi/aws",
      "@pulumi/cloudflare",
      "@pulumi/kubernetes",
      "@pulumi/pulumi",
      "zod",
    ]);
    expect(deps("shared-nothing-policy-pack")).toEqual(["@pulumi/policy", "@pulumi/pulumi", "zod"]);
    expect(deps("cohort-rollout")).toEqual([
      "@aws-sdk/client-cloudwatch",
      "@aws-sdk/client-dynamodb",
      "@aws-sdk/client-ecs",
      "@aws-sdk/client-sns",
      "@aws-sdk/lib-dynamodb",
      // The Automation API. The rehearsal runs the user's program with the program's own
      // @pulumi/* packages, so no platform SDK is a dependency of the rollout.
      "@pulumi/pulumi",
      "commander",
      "yaml",
      "zod",
    ]);
    // Nothing transpiles TypeScript at run time: the consumer has no tsx at all.
    expect(existsSync(installed("tsx"))).toBe(false);
  });

  it(
    "typechecks a TypeScript consumer against the shipped declarations",
    async () => {
      expect(readdirSync(join(consumer, "node_modules", PACKAGE))).toContain("dist");
      // Throws (failing the test) with tsc's diagnostics if a type is missing or wrong.
      await run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: consumer });
    },
    SLOW,
  );

  it(
    "runs a consumer program under mocks that creates the component's resources",
    async () => {
      const out = JSON.parse(await run(process.execPath, ["run.mjs"], { cwd: consumer })) as {
        resolved: string;
        registeredBeforeValidInput: number;
        badInput: string;
        types: string[];
        cohorts: Record<string, { name: string; pin: { version: string }; alarmNames: string[] }>;
      };
      // Imported from the unpacked tarball, not from this repo's sources.
      expect(out.resolved).toBe(
        pathToFileURL(join(consumer, "node_modules", PACKAGE, "dist/components/index.js")).href,
      );
      expect(out.badInput).toBe("environment.cohorts");
      expect(out.registeredBeforeValidInput).toBe(0);
      expect(out.types).toContain("cohort-segmented-service:index:CohortSegmentedService");
      for (const type of [
        "aws:ecs/service:Service",
        "aws:dynamodb/table:Table",
        "aws:lb/listenerRule:ListenerRule",
        "aws:cloudwatch/compositeAlarm:CompositeAlarm",
      ]) {
        expect(out.types).toContain(type);
      }
      expect(out.types.length).toBeGreaterThan(25);
      expect(out.cohorts.free?.pin.version).toBe("1.0.0");
      expect(out.cohorts.free?.alarmNames.length).toBe(5);
    },
    SLOW,
  );

  it(
    "runs the compiled cohort-rollout bin: --help lists every command",
    async () => {
      const help = await run(join(consumer, "node_modules", ".bin", "cohort-rollout"), ["--help"], {
        cwd: consumer,
      });
      for (const command of [
        "plan",
        "deploy",
        "resume",
        "status",
        "history",
        "pause",
        "abort",
        "revert",
        "rehearse",
      ]) {
        expect(help).toMatch(new RegExp(`^  ${command} `, "m"));
      }
    },
    SLOW,
  );

  it(
    "rehearses the consumer's own program from the installed bin (--program)",
    async () => {
      const out = await run(
        join(consumer, "node_modules", ".bin", "cohort-rollout"),
        [
          "rehearse",
          "--program",
          "app",
          "--environment",
          "shop",
          "--json",
          "--out",
          join(work, "rehearsal.html"),
        ],
        { cwd: consumer },
      );
      const rehearsal = JSON.parse(out) as { environment: string; verdict: { kind: string } };
      expect(rehearsal.environment).toBe("shop");
      expect(rehearsal.verdict.kind).toBe("contained");
      expect(existsSync(join(work, "rehearsal.html"))).toBe(true);
    },
    SLOW,
  );

  it(
    "loads the policy pack the way `pulumi preview --policy-pack` does and serves its policies",
    async () => {
      const runPolicyPack = createRequire(join(consumer, "package.json")).resolve(
        "@pulumi/pulumi/cmd/run-policy-pack",
      );
      expect(runPolicyPack.startsWith(join(consumer, "node_modules"))).toBe(true);
      const pack = await startPack(120_000, {
        packDir: installed("shared-nothing-policy-pack"),
        runPolicyPack,
      });
      try {
        const info = await pack.info();
        // The installed pack serves exactly the policies of this checkout's pack.
        expect(info.getName()).toBe(PACK_NAME);
        expect(info.getPoliciesList().map((p) => p.getName())).toEqual(policies.map((p) => p.name));
      } finally {
        pack.stop();
      }
    },
    SLOW,
  );
});

describe.skipIf(engine === undefined || !moto.available)(
  `cohort-rollout plan --json over a consumer's own environment ${moto.reason ?? ""}`,
  () => {
    let aws: MotoServer;
    beforeAll(async () => {
      aws = await startMoto();
    });
    afterAll(async () => {
      await aws?.stop();
    });

    it(
      "plans the release wave by wave, least critical cohort first",
      async () => {
        if (engine === undefined) throw new Error("unreachable: the suite skips without an engine");
        const infra = join(consumer, "infra");
        mkdirSync(infra);
        const env = {
          ...process.env,
          ...engineEnv(engine, join(work, "state")),
          AWS_ACCESS_KEY_ID: "testing",
          AWS_SECRET_ACCESS_KEY: "testing",
          AWS_REGION: "us-east-1",
        };
        await seedConsumerEnvironment({ projectDir: infra, env, cloudwatchEndpoint: aws.endpoint });
        const out = await run(
          join(consumer, "node_modules", ".bin", "cohort-rollout"),
          [
            "plan",
            "--environment",
            "shop",
            "--project-dir",
            infra,
            "--release",
            "r2",
            "--version",
            "2.0.0",
            "--endpoint-url",
            aws.endpoint,
            "--json",
          ],
          { cwd: consumer, env },
        );
        const plan = JSON.parse(out) as {
          kind: string;
          release: string;
          waves: {
            index: number;
            targets: { cohort: string; stack: string; alarmNames: string[] }[];
          }[];
        };
        expect(plan.kind).toBe("plan");
        expect(plan.release).toBe("r2");
        expect(plan.waves.map((w) => w.targets.map((t) => t.cohort))).toEqual([["free"], ["pro"]]);
        expect(plan.waves[0]?.targets[0]?.stack).toBe("shop.free");
        expect(plan.waves[1]?.targets[0]?.alarmNames).toContain("shop-pro-health");
      },
      SLOW,
    );
  },
);
