/**
 * The AutomationDriver through a recording PulumiCommand: the exact CLI
 * arguments per driver call, on the right stack, and how canned CLI output
 * (documented JSON shapes of `stack history --json`, `stack output --json`,
 * `config --json`, engine events) becomes port values.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { AutomationDriver } from "../../stacks/rollout/adapters/automation-driver.js";
import type { ProgramRevisions } from "../../stacks/rollout/adapters/program-revision.js";
import type { Release } from "../../stacks/rollout/core/ports.js";
import { RecordingPulumi, type Rule } from "./recording-pulumi.js";

const HEAD = "1111111111111111111111111111111111111111";
const OLD = "2222222222222222222222222222222222222222";
const STACK = "prod.free";
const PIN_V1 = JSON.stringify({ release: "r1", version: "1.0.0", config: {} });

const workDir = mkdtempSync(join(tmpdir(), "driver-rec-"));
writeFileSync(join(workDir, "Pulumi.yaml"), "name: cohort-service\nruntime: nodejs\n");
const checkoutDir = mkdtempSync(join(tmpdir(), "driver-rec-old-"));

const checkouts: string[] = [];
const revisions: ProgramRevisions = {
  head: () => Promise.resolve(HEAD),
  checkout: (_dir, revision) => {
    checkouts.push(revision);
    return Promise.resolve({ dir: checkoutDir, remove: () => Promise.resolve() });
  },
};

const configJson = (pin: string, extra: Record<string, string> = {}) =>
  JSON.stringify({
    "cohort-service:part": { value: "cohort", secret: false },
    "cohort-service:pin": { value: pin, secret: false },
    "cohort-service:dbPassword": { value: "hunter2", secret: true },
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { value: v, secret: false }])),
  });

// `pulumi stack history --json` entries (newest first), as the CLI prints them.
const historyEntry = (
  version: number,
  result: string,
  pin: string,
  message: string,
  gitHead?: string,
) => ({
  version,
  kind: "update",
  startTime: "2026-11-20T10:00:00.000Z",
  message,
  environment: { "exec.kind": "auto.local", ...(gitHead ? { "git.head": gitHead } : {}) },
  config: {
    "cohort-service:part": { value: "cohort", secret: false },
    "cohort-service:pin": { value: pin, secret: false },
    "cohort-service:dbPassword": { value: "hunter2", secret: true },
  },
  result,
  endTime: "2026-11-20T10:01:00.000Z",
  resourceChanges: { same: 5, update: 1 },
});

const upEvents = [
  { preludeEvent: { config: {} } },
  {
    resourcePreEvent: {
      metadata: {
        op: "update",
        urn: "urn:pulumi:prod.free::cohort-service::aws:ecs/service:Service::free-svc",
        type: "aws:ecs/service:Service",
      },
    },
  },
  {
    summaryEvent: {
      maybeCorrupt: false,
      durationSeconds: 1,
      resourceChanges: { update: 1, same: 5 },
    },
  },
  { cancelEvent: {} },
];

function rules(overrides: Rule[] = []): Rule[] {
  return [
    ...overrides,
    [["stack", "select"], { stdout: "" }],
    [["config", "--show-secrets", "--json"], { stdout: configJson(PIN_V1) }],
    [["config"], { stdout: "" }],
    [["up"], { stdout: "Updating...", events: upEvents }],
    [
      ["refresh"],
      {
        stdout: "Refreshing...",
        events: [
          {
            summaryEvent: { maybeCorrupt: false, durationSeconds: 0, resourceChanges: { same: 6 } },
          },
        ],
      },
    ],
    [
      ["stack", "output", "--json"],
      { stdout: JSON.stringify({ cohorts: { free: { name: "free" } } }) },
    ],
    [
      ["stack", "history", "--json", "--show-secrets", "--page-size", "1"],
      { stdout: JSON.stringify([historyEntry(7, "succeeded", PIN_V1, "")]) },
    ],
  ];
}

const release: Release = { id: "r2", version: "2.0.0", config: { LOG: "debug" } };
const PIN_V2 = JSON.stringify({ release: "r2", version: "2.0.0", config: { LOG: "debug" } });

describe("AutomationDriver CLI arguments (recording PulumiCommand)", () => {
  let cli: RecordingPulumi;
  let driver: AutomationDriver;

  beforeEach(() => {
    checkouts.length = 0;
    cli = new RecordingPulumi(rules());
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
  });

  it("readPin selects the stack and reads its config through the CLI", async () => {
    expect(await driver.readPin(STACK)).toEqual({ release: "r1", version: "1.0.0", config: {} });
    expect(cli.argv()).toEqual([
      ["stack", "select", "--stack", STACK],
      ["config", "--show-secrets", "--json", "--stack", STACK],
    ]);
    expect(cli.calls.every((c) => c.cwd === workDir)).toBe(true);
  });

  it("readPin rejects a malformed pin, naming the problem", async () => {
    cli = new RecordingPulumi(
      rules([[["config", "--show-secrets", "--json"], { stdout: configJson('{"release":""}') }]]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    await expect(driver.readPin(STACK)).rejects.toThrow(/pin\.release: .*pin\.version/s);
  });

  it("a missing stack reads as never deployed", async () => {
    cli = new RecordingPulumi(
      rules([
        [["stack", "select"], { fail: { stderr: "error: no stack named 'prod.new' found" } }],
      ]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    expect(await driver.readPin("prod.new")).toBeUndefined();
    expect(await driver.lastGoodUpdate("prod.new")).toBeUndefined();
    expect(await driver.outputs("prod.new")).toEqual({});
  });

  it("apply sets the pin on the up itself (--config), runs it on that stack alone with the revision in --message, and reads nothing after it", async () => {
    const progress: string[] = [];
    const result = await driver.apply(STACK, release, (line) => progress.push(line));
    expect(result).toEqual({ ok: true, updateVersion: 7 });
    const argv = cli.argv();
    // Reading the part and looking for pending operations run side by side: either order.
    expect(argv.slice(1, 3)).toEqual(
      expect.arrayContaining([
        // Pending operations of an interrupted update are looked for before an update.
        ["stack", "export", "--show-secrets", "--stack", STACK],
        ["config", "--show-secrets", "--json", "--stack", STACK],
      ]),
    );
    expect([argv[0], ...argv.slice(3)]).toEqual([
      ["stack", "select", "--stack", STACK],
      [
        "up",
        "--yes",
        "--skip-preview",
        "--message",
        `[cohort-rollout release=r2 revision=${HEAD}]`,
        `--config=cohort-service:pin=${PIN_V2}`,
        "--exec-kind",
        "auto.local",
        "--event-log",
        "<event-log>",
        "--stack",
        STACK,
      ],
      // Only a backend that numbers updates is asked for the number (once per update).
      [
        "stack",
        "history",
        "--json",
        "--show-secrets",
        "--page-size",
        "1",
        "--page",
        "1",
        "--stack",
        STACK,
      ],
    ]);
    expect(progress).toContain("update aws:ecs/service:Service free-svc");
    expect(progress.some((l) => l.startsWith("summary update=1 same=5"))).toBe(true);
    expect(checkouts).toEqual([]);
  });

  /** A driver on a file backend, where every update is numbered 0. */
  const diyBackendDriver = (): AutomationDriver =>
    new AutomationDriver({
      workDir,
      pulumiCommand: cli,
      revisions,
      envVars: { PULUMI_BACKEND_URL: "file:///var/state" },
    });

  it("on a DIY backend (every update numbered 0), apply asks nothing after the up", async () => {
    driver = diyBackendDriver();
    expect(await driver.apply(STACK, release)).toEqual({ ok: true });
    expect(cli.argv().at(-1)?.[0]).toBe("up");
  });

  it("a second apply of a stack in the same run is one CLI call: selection, part and pending operations are known", async () => {
    driver = diyBackendDriver();
    expect((await driver.apply(STACK, release)).ok).toBe(true);
    cli.clear();
    expect((await driver.apply(STACK, { ...release, id: "r3" })).ok).toBe(true);
    expect(cli.argv().map((a) => a[0])).toEqual(["up"]);
  });

  it("after an update of ours failed, the next one looks for pending operations again", async () => {
    let ups = 0;
    cli = new RecordingPulumi(
      rules([
        [
          ["up"],
          () =>
            ++ups === 1
              ? { fail: { stderr: "error: update failed: 1 error occurred" } }
              : { stdout: "Updating...", events: upEvents },
        ],
      ]),
    );
    driver = diyBackendDriver();
    expect((await driver.apply(STACK, release)).ok).toBe(false);
    cli.clear();
    expect((await driver.apply(STACK, release)).ok).toBe(true);
    expect(cli.argv().map((a) => a.slice(0, 2).join(" "))).toEqual(["stack export", "up --yes"]);
  });

  it("the outputs an update registered are the stack's outputs after it, without a CLI call; a secret among them is read from the CLI", async () => {
    const stackOutputs = (outputs: object) => ({
      resOutputsEvent: {
        metadata: {
          op: "same",
          urn: "urn:pulumi:prod.free::cohort-service::pulumi:pulumi:Stack::cohort-service-prod.free",
          type: "pulumi:pulumi:Stack",
          new: { type: "pulumi:pulumi:Stack", urn: "urn:x", outputs },
        },
      },
    });
    let answer: object = { cohorts: { free: { name: "free", endpoint: "https://e" } } };
    cli = new RecordingPulumi(
      rules([[["up"], () => ({ stdout: "", events: [...upEvents, stackOutputs(answer)] })]]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    await driver.apply(STACK, release);
    cli.clear();
    expect(await driver.outputs(STACK)).toEqual(answer);
    expect(cli.argv()).toEqual([]);
    answer = { token: "[secret]" };
    await driver.apply(STACK, release);
    cli.clear();
    // The rule's `stack output` answer, not the masked value of the event.
    expect(await driver.outputs(STACK)).toEqual({ cohorts: { free: { name: "free" } } });
    expect(cli.argv().map((a) => a.slice(0, 2).join(" "))).toContain("stack output");
  });

  it("apply on the edge stack sets the release's edge config, not a pin", async () => {
    cli = new RecordingPulumi(
      rules([
        [
          ["config", "--show-secrets", "--json"],
          { stdout: JSON.stringify({ "cohort-service:part": { value: "edge", secret: false } }) },
        ],
      ]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    const result = await driver.apply("prod", {
      ...release,
      edgeConfig: { tlsPolicy: "TLS13", "aws:region": "eu-west-1" },
    });
    expect(result.ok).toBe(true);
    const up = cli.argv().find((a) => a[0] === "up") ?? [];
    expect(up.filter((a) => a.startsWith("--config"))).toEqual([
      "--config=cohort-service:tlsPolicy=TLS13",
      "--config=aws:region=eu-west-1",
    ]);
  });

  it("apply reports a locked stack (ConcurrentUpdateError) as locked, without throwing", async () => {
    cli = new RecordingPulumi(
      rules([
        [
          ["up"],
          {
            fail: {
              stderr:
                "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
            },
          },
        ],
      ]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    const result = await driver.apply(STACK, release);
    expect(result.ok).toBe(false);
    expect(result.locked).toBe(true);
    expect(result.error).toMatch(/^error: the stack is currently locked by 1 lock/);
  });

  // The real CLI does not refuse an update over pending operations (it warns and creates a
  // pending create again): the driver looks for them in `stack export` itself.
  const pendingState = (type: string, resourceType: string) => ({
    stdout: JSON.stringify({
      version: 3,
      deployment: {
        resources: [],
        pending_operations: [
          {
            type,
            resource: {
              urn: `urn:pulumi:prod.free::cohort-service::${resourceType}::x`,
              type: resourceType,
            },
          },
        ],
      },
    }),
  });

  it("apply refreshes first, without clearing anything, when an interrupted update left a pending update", async () => {
    cli = new RecordingPulumi(
      rules([[["stack", "export"], pendingState("updating", "aws:ecs/service:Service")]]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    const progress: string[] = [];
    const result = await driver.apply(STACK, release, (line) => progress.push(line));
    expect(result.ok).toBe(true);
    const ops = cli.argv().filter((a) => a[0] === "up" || a[0] === "refresh");
    expect(ops.map((a) => a[0])).toEqual(["refresh", "up"]);
    expect(ops[0]).not.toContain("--clear-pending-creates");
    expect(progress.some((l) => l.includes("pending operations; refreshing"))).toBe(true);
  });

  it("apply clears a pending create of a non-storage resource with the refresh, and says which", async () => {
    cli = new RecordingPulumi(
      rules([[["stack", "export"], pendingState("creating", "aws:ecs/service:Service")]]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    const progress: string[] = [];
    expect((await driver.apply(STACK, release, (line) => progress.push(line))).ok).toBe(true);
    const refresh = cli.argv().find((a) => a[0] === "refresh");
    expect(refresh).toContain("--clear-pending-creates");
    expect(progress.some((l) => l.includes("clearing pending creates (urn:pulumi:"))).toBe(true);
  });

  it("apply stops on a pending create of storage, naming the commands to run, and runs no update", async () => {
    cli = new RecordingPulumi(
      rules([[["stack", "export"], pendingState("creating", "aws:dynamodb/table:Table")]]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    const result = await driver.apply(STACK, release);
    expect(result.ok).toBe(false);
    expect(result.error).toContain(`pulumi refresh --stack ${STACK} --import-pending-creates`);
    expect(result.error).toContain(`pulumi refresh --stack ${STACK} --clear-pending-creates`);
    expect(cli.argv().filter((a) => a[0] === "up" || a[0] === "refresh")).toEqual([]);
  });

  it("apply reports a failed update with the CLI's error line", async () => {
    cli = new RecordingPulumi(
      rules([
        [
          ["up"],
          { fail: { stderr: "Updating (prod.free):\nerror: update failed: 1 error occurred" } },
        ],
      ]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    const result = await driver.apply(STACK, release);
    expect(result).toEqual({ ok: false, error: "error: update failed: 1 error occurred" });
  });

  it("preview sets the pin on the preview (--config), reports per-resource ops, and restores the previous pin", async () => {
    const tableUrn =
      "urn:pulumi:prod.free::cohort-service::cohort-segmented-service:index:CohortSegmentedService$aws:dynamodb/table:Table::free-data";
    cli = new RecordingPulumi(
      rules([
        [
          ["preview"],
          {
            stdout: "Previewing...",
            events: [
              {
                resourcePreEvent: {
                  metadata: { op: "same", urn: "urn:a", type: "aws:lb/listenerRule:ListenerRule" },
                },
              },
              {
                resourcePreEvent: {
                  metadata: {
                    op: "create-replacement",
                    urn: tableUrn,
                    type: "aws:dynamodb/table:Table",
                  },
                },
              },
              {
                resourcePreEvent: {
                  metadata: { op: "replace", urn: tableUrn, type: "aws:dynamodb/table:Table" },
                },
              },
              {
                resourcePreEvent: {
                  metadata: {
                    op: "delete-replaced",
                    urn: tableUrn,
                    type: "aws:dynamodb/table:Table",
                  },
                },
              },
              {
                resourcePreEvent: {
                  metadata: { op: "discard", urn: "urn:b", type: "aws:s3/bucket:Bucket" },
                },
              },
              {
                summaryEvent: {
                  maybeCorrupt: false,
                  durationSeconds: 0,
                  resourceChanges: { same: 1, replace: 1, delete: 1 },
                },
              },
            ],
          },
        ],
      ]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    const result = await driver.preview(STACK, release);
    expect(result.changes).toEqual([
      { urn: "urn:a", type: "aws:lb/listenerRule:ListenerRule", op: "same" },
      { urn: tableUrn, type: "aws:dynamodb/table:Table", op: "replace" },
      { urn: "urn:b", type: "aws:s3/bucket:Bucket", op: "delete" },
    ]);
    expect(result.summary).toEqual({ same: 1, replace: 1, delete: 1 });
    const argv = cli.argv();
    // The look for pending operations of the apply that follows runs beside the preview.
    const exported = ["stack", "export", "--show-secrets", "--stack", STACK];
    expect(argv).toContainEqual(exported);
    expect(argv.filter((a) => a.join(" ") !== exported.join(" "))).toEqual([
      ["stack", "select", "--stack", STACK],
      ["config", "--show-secrets", "--json", "--stack", STACK],
      [
        "preview",
        `--config=cohort-service:pin=${PIN_V2}`,
        "--exec-kind",
        "auto.local",
        "--event-log",
        "<event-log>",
        "--stack",
        STACK,
      ],
      ["config", "set-all", "--stack", STACK, "--plaintext", `cohort-service:pin=${PIN_V1}`],
    ]);
    // The apply after it needs no look of its own.
    cli.clear();
    await driver.apply(STACK, release);
    expect(cli.argv().map((a) => a[0])).not.toContain("config");
    expect(cli.argv().filter((a) => a[1] === "export")).toEqual([]);
  });

  it("preview passes on only the engine's warnings and errors as progress: its steps and counts are the runner's preview summary (issue 10)", async () => {
    cli = new RecordingPulumi(
      rules([
        [
          ["preview"],
          {
            stdout: "Previewing...",
            events: [
              {
                resourcePreEvent: {
                  metadata: {
                    op: "update",
                    urn: "urn:pulumi:prod.free::cohort-service::aws:ecs/service:Service::free-svc",
                    type: "aws:ecs/service:Service",
                  },
                },
              },
              {
                diagnosticEvent: {
                  message: "deprecated argument `inlinePolicies`\n",
                  color: "never",
                  severity: "warning",
                },
              },
              {
                summaryEvent: {
                  maybeCorrupt: false,
                  durationSeconds: 0,
                  resourceChanges: { update: 1, same: 5 },
                },
              },
            ],
          },
        ],
      ]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    const lines: string[] = [];
    const result = await driver.preview(STACK, release, (line) => lines.push(line));
    expect(result.summary).toEqual({ update: 1, same: 5 });
    expect(lines).toEqual(["warning: deprecated argument `inlinePolicies`"]);
  });

  it("apply reports each step once as progress, and the engine's summary once", async () => {
    const lines: string[] = [];
    await driver.apply(STACK, release, (line) => lines.push(line));
    const steps = lines.filter((l) => l.includes("free-svc"));
    expect(steps).toEqual(["update aws:ecs/service:Service free-svc"]);
    expect(lines.filter((l) => l.startsWith("summary "))).toEqual(["summary update=1 same=5"]);
  });

  it("a preview that fails throws the CLI's error line and still restores the previous pin", async () => {
    cli = new RecordingPulumi(
      rules([
        [
          ["preview"],
          {
            fail: {
              stderr:
                "Previewing update (prod.free):\nerror: Missing required configuration variable 'cohort-service:table'\n",
            },
          },
        ],
      ]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    await expect(driver.preview(STACK, release)).rejects.toThrow(
      /^error: Missing required configuration variable 'cohort-service:table'$/,
    );
    expect(cli.argv().at(-1)).toEqual([
      "config",
      "set-all",
      "--stack",
      STACK,
      "--plaintext",
      `cohort-service:pin=${PIN_V1}`,
    ]);
  });

  it("refresh refreshes that stack, clearing nothing when nothing is pending", async () => {
    const result = await driver.refresh(STACK);
    expect(result).toEqual({ ok: true });
    expect(cli.argv()).toEqual([
      ["stack", "select", "--stack", STACK],
      ["stack", "export", "--show-secrets", "--stack", STACK],
      [
        "refresh",
        "--skip-preview",
        "--yes",
        "--event-log",
        "<event-log>",
        "--exec-kind",
        "auto.local",
        "--stack",
        STACK,
      ],
      [
        "stack",
        "history",
        "--json",
        "--show-secrets",
        "--page-size",
        "1",
        "--page",
        "1",
        "--stack",
        STACK,
      ],
    ]);
  });

  it("lastGoodUpdate pages through history and skips failed updates and refreshes", async () => {
    const page1 = [
      historyEntry(9, "failed", PIN_V2, `[cohort-rollout release=r2 revision=${HEAD}]`),
      { ...historyEntry(8, "succeeded", PIN_V1, ""), kind: "refresh" },
    ];
    const page2 = [
      historyEntry(7, "succeeded", PIN_V1, `[cohort-rollout release=r1 revision=${OLD}]`),
      historyEntry(6, "succeeded", PIN_V1, ""),
    ];
    cli = new RecordingPulumi(
      rules([
        [
          ["stack", "history", "--json", "--show-secrets", "--page-size", "2", "--page", "1"],
          { stdout: JSON.stringify(page1) },
        ],
        [
          ["stack", "history", "--json", "--show-secrets", "--page-size", "2", "--page", "2"],
          { stdout: JSON.stringify(page2) },
        ],
      ]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions, historyPageSize: 2 });
    const good = await driver.lastGoodUpdate(STACK);
    expect(good).toEqual({
      version: 7,
      result: "succeeded",
      config: { "cohort-service:part": "cohort", "cohort-service:pin": PIN_V1 },
      release: "r1",
      programRevision: OLD,
      startTime: "2026-11-20T10:00:00.000Z",
      endTime: "2026-11-20T10:01:00.000Z",
    });
    expect(cli.argv().slice(1)).toEqual([
      [
        "stack",
        "history",
        "--json",
        "--show-secrets",
        "--page-size",
        "2",
        "--page",
        "1",
        "--stack",
        STACK,
      ],
      [
        "stack",
        "history",
        "--json",
        "--show-secrets",
        "--page-size",
        "2",
        "--page",
        "2",
        "--stack",
        STACK,
      ],
    ]);
  });

  it("history falls back to the CLI's git.head when the message has no marker", async () => {
    cli = new RecordingPulumi(
      rules([
        [
          ["stack", "history"],
          { stdout: JSON.stringify([historyEntry(3, "succeeded", PIN_V1, "manual", OLD)]) },
        ],
      ]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    const [entry] = await driver.history(STACK, 5);
    expect(entry?.programRevision).toBe(OLD);
    expect(cli.argv()[1]).toEqual([
      "stack",
      "history",
      "--json",
      "--show-secrets",
      "--page-size",
      "5",
      "--page",
      "1",
      "--stack",
      STACK,
    ]);
  });

  it("revert from the same program revision sets the old config exactly and runs up in the project dir", async () => {
    cli = new RecordingPulumi(
      rules([
        [
          ["config", "--show-secrets", "--json"],
          { stdout: configJson(PIN_V2, { "cohort-service:newFlag": "on" }) },
        ],
      ]),
    );
    driver = new AutomationDriver({ workDir, pulumiCommand: cli, revisions });
    const to = {
      version: 0,
      release: "r1",
      result: "succeeded" as const,
      config: { "cohort-service:part": "cohort", "cohort-service:pin": PIN_V1 },
      programRevision: HEAD,
      startTime: "2026-11-20T10:00:00.000Z",
    };
    const result = await driver.revert(STACK, to);
    expect(result.ok).toBe(true);
    expect(checkouts).toEqual([]);
    const argv = cli.argv();
    expect(argv.slice(1, 3)).toEqual(
      expect.arrayContaining([
        ["stack", "export", "--show-secrets", "--stack", STACK],
        ["config", "--show-secrets", "--json", "--stack", STACK],
      ]),
    );
    expect([argv[0], ...argv.slice(3, 5)]).toEqual([
      ["stack", "select", "--stack", STACK],
      ["config", "rm-all", "--stack", STACK, "cohort-service:newFlag"],
      [
        "up",
        "--yes",
        "--skip-preview",
        "--message",
        // The revert names the update it returns to by release and time: file backends number none.
        `[cohort-rollout release=revert-to-r1@2026-11-20T10:00:00Z revision=${HEAD}]`,
        "--config=cohort-service:part=cohort",
        `--config=cohort-service:pin=${PIN_V1}`,
        "--exec-kind",
        "auto.local",
        "--event-log",
        "<event-log>",
        "--stack",
        STACK,
      ],
    ]);
  });

  it("revert to an update from another program revision runs up from a checkout of that revision", async () => {
    const to = {
      version: 5,
      result: "succeeded" as const,
      config: { "cohort-service:part": "cohort", "cohort-service:pin": PIN_V1 },
      programRevision: OLD,
    };
    const result = await driver.revert(STACK, to);
    expect(result.ok).toBe(true);
    expect(checkouts).toEqual([OLD]);
    const up = cli.calls.find((c) => c.args[0] === "up");
    expect(up?.cwd).toBe(checkoutDir);
    expect(up?.args).toContain(
      `[cohort-rollout release=revert-to-by-hand#5@unknown-time revision=${OLD}]`,
    );
    // Config is set in the current tree first (later reads see it), then in the checkout.
    const setAlls = cli.calls.filter((c) => c.args[1] === "set-all").map((c) => c.cwd);
    expect(setAlls).toEqual([workDir, checkoutDir]);
    // The checkout's up carries no --config: its config file was written just before.
    expect(up?.args.some((a) => a.startsWith("--config"))).toBe(false);
  });
});
