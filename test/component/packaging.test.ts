/**
 * The package is consumable by another Pulumi program: build it the way
 * `npm run build` does (tsconfig.build.json), `npm pack` it, put the tarball
 * into a separate consumer project, and there (1) typecheck a TypeScript
 * program against the shipped .d.ts and (2) run a JavaScript program under
 * Pulumi mocks that imports `{ CohortSegmentedService } from
 * "cohort-segmented-service"` and creates resources.
 *
 * Nothing is downloaded. `npm install <tgz>` cannot run offline here (npm
 * resolves the package's dependencies from the registry: ENOTCACHED), so the
 * tarball is unpacked where npm would put it (`node_modules/<name>`), and the
 * consumer, living under this repo's git-ignored `.artifacts/`, resolves
 * `@pulumi/*` and `zod` from the repo's node_modules, as Node's lookup walks up.
 * The build goes to a staging copy of the package (package.json, README.md,
 * dist/), so the repo's own dist/ is never touched.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const require = createRequire(import.meta.url);
const TSC = require.resolve("typescript/bin/tsc");
const PACKAGE = "cohort-segmented-service";

let work: string;
let consumer: string;
let tarball: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

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

beforeAll(() => {
  mkdirSync(join(ROOT, ".artifacts"), { recursive: true });
  work = mkdtempSync(join(ROOT, ".artifacts", "packaging-"));
  const stage = join(work, "stage");
  consumer = join(work, "consumer");
  mkdirSync(stage);
  mkdirSync(consumer);
  // `npm run build` is `tsc -p tsconfig.build.json` (outDir dist); same config, staged output.
  run(process.execPath, [TSC, "-p", "tsconfig.build.json", "--outDir", join(stage, "dist")], ROOT);
  cpSync(join(ROOT, "package.json"), join(stage, "package.json"));
  cpSync(join(ROOT, "README.md"), join(stage, "README.md"));
  const packed = run("npm", ["pack", "--silent", "--pack-destination", work], stage).trim();
  tarball = join(work, packed.split("\n").pop() ?? "");
  const installed = join(consumer, "node_modules", PACKAGE);
  mkdirSync(installed, { recursive: true });
  run("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"], consumer);
  writeFileSync(
    join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  writeFileSync(join(consumer, "index.ts"), CONSUMER_TS);
  writeFileSync(join(consumer, "run.mjs"), CONSUMER_JS);
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
}, 120_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("ships the entry point and declarations package.json's exports name, and no sources or tests", () => {
    const listing = run("tar", ["-tzf", tarball], work).split("\n").filter(Boolean);
    expect(listing).toContain("package/dist/components/index.js");
    expect(listing).toContain("package/dist/components/index.d.ts");
    expect(listing).toContain("package/dist/components/contract.d.ts");
    expect(listing.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    expect(listing.filter((f) => f.includes("test") || f.includes("stacks/"))).toEqual([]);
  });

  it("typechecks a TypeScript consumer against the shipped declarations", () => {
    expect(readdirSync(join(consumer, "node_modules", PACKAGE))).toContain("dist");
    // Throws (failing the test) with tsc's diagnostics if a type is missing or wrong.
    run(process.execPath, [TSC, "-p", "tsconfig.json"], consumer);
  });

  it("runs a consumer program under mocks that creates the component's resources", () => {
    const out = JSON.parse(run(process.execPath, ["run.mjs"], consumer)) as {
      resolved: string;
      registeredBeforeValidInput: number;
      badInput: string;
      types: string[];
      cohorts: Record<string, { name: string; pin: { version: string }; alarmNames: string[] }>;
    };
    // Imported from the unpacked tarball, not from this repo's sources.
    expect(out.resolved).toContain(`/consumer/node_modules/${PACKAGE}/dist/components/index.js`);
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
  });
});
