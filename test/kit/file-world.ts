/**
 * A stand-in world kept in one JSON file, so several CLI processes (and a
 * process restarted after kill -9) see the same stacks and alarms: each
 * stack's config and update history, each alarm's state. A release whose
 * version is listed in `badVersions` makes its cohort's alarm fire when
 * applied; a revert clears it.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CohortOutput, EnvironmentOutput } from "../../components/contract.js";
import { FileLedger } from "../../stacks/rollout/adapters/ledger-file.js";
import type { BuiltPorts, PortsFactory } from "../../stacks/rollout/cli/commands/context.js";
import type {
  AlarmReading,
  AlarmStateValue,
  ApplyResult,
  Clock,
  HealthGate,
  Pin,
  PreviewResult,
  Release,
  StackDriver,
  UpdateRecord,
} from "../../stacks/rollout/core/ports.js";

export interface WorldState {
  environment: EnvironmentOutput;
  stacks: Record<
    string,
    { config: Record<string, string>; history: UpdateRecord[]; pending?: boolean }
  >;
  alarms: Record<string, AlarmStateValue | "MISSING">;
  /** Alarm period (s) each cohort exports; the plan sizes bakes against it. */
  periodSeconds: number;
  badVersions: string[];
  failRevert: string[];
  applyMs: number;
  /** Every apply/revert/refresh, in order, as "op stack". */
  calls: string[];
}

export const OLD_PIN: Pin = { release: "r0", version: "1.0.0", config: {} };

export function threeCohortWorld(overrides: Partial<WorldState> = {}): WorldState {
  const names = ["free", "pro", "enterprise"];
  const stacks: WorldState["stacks"] = {};
  const alarms: WorldState["alarms"] = {};
  for (const n of names) {
    const config = { pin: JSON.stringify(OLD_PIN) };
    stacks[`prod.${n}`] = {
      config,
      history: [{ version: 0, result: "succeeded", config: { ...config }, release: "r0" }],
    };
    alarms[`${n}-errors`] = "OK";
  }
  stacks.prod = {
    config: {},
    history: [{ version: 0, result: "succeeded", config: {}, release: "r0" }],
  };
  return {
    environment: {
      name: "prod",
      edgeStack: "prod",
      cohorts: names.map((name, i) => ({
        name,
        criticality: i,
        bakeSeconds: 120 * (i + 1),
        minIntervalSeconds: 0,
        stack: `prod.${name}`,
      })),
    },
    stacks,
    alarms,
    periodSeconds: 10,
    badVersions: [],
    failRevert: [],
    applyMs: 50,
    calls: [],
    ...overrides,
  };
}

export class FileWorld implements StackDriver, HealthGate {
  constructor(
    readonly path: string,
    private readonly clock: Clock,
  ) {}

  static create(path: string, state: WorldState, clock: Clock): FileWorld {
    writeFileSync(path, JSON.stringify(state, null, 2));
    return new FileWorld(path, clock);
  }

  load(): WorldState {
    return JSON.parse(readFileSync(this.path, "utf8")) as WorldState;
  }

  private save(s: WorldState): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(s, null, 2));
    renameSync(tmp, this.path);
  }

  private edit<T>(fn: (s: WorldState) => T): T {
    const s = this.load();
    const out = fn(s);
    this.save(s);
    return out;
  }

  pinOf(stack: string): Pin | undefined {
    const raw = this.load().stacks[stack]?.config.pin;
    return raw === undefined ? undefined : (JSON.parse(raw) as Pin);
  }

  private cohortOf(s: WorldState, stack: string): string | undefined {
    return s.environment.cohorts.find((c) => c.stack === stack)?.name;
  }

  outputs(stack: string): Promise<Record<string, unknown>> {
    const s = this.load();
    if (stack === s.environment.edgeStack) return Promise.resolve({ environment: s.environment });
    const c = s.environment.cohorts.find((x) => x.stack === stack);
    if (!c) return Promise.resolve({});
    const name = `${c.name}-errors`;
    const out: CohortOutput = {
      name: c.name,
      criticality: c.criticality,
      pin: this.pinOf(stack) ?? OLD_PIN,
      alarmNames: [name],
      compositeAlarmName: name,
      alarms: [{ name, kind: "metric", periodSeconds: s.periodSeconds, evaluationPeriods: 1 }],
      endpoint: `https://${c.name}.example.invalid`,
    };
    return Promise.resolve({ cohorts: { [c.name]: out } });
  }

  readPin(stack: string): Promise<Pin | undefined> {
    return Promise.resolve(this.pinOf(stack));
  }

  lastGoodUpdate(stack: string): Promise<UpdateRecord | undefined> {
    const h = (this.load().stacks[stack]?.history ?? []).filter((u) => u.result === "succeeded");
    return Promise.resolve(h[h.length - 1]);
  }

  preview(stack: string): Promise<PreviewResult> {
    return Promise.resolve({
      changes: [{ urn: `urn:${stack}:svc`, type: "aws:ecs/service:Service", op: "update" }],
      summary: { update: 1 },
    });
  }

  async apply(stack: string, release: Release): Promise<ApplyResult> {
    this.edit((s) => s.calls.push(`apply ${stack}`));
    const startTime = new Date(this.clock.now()).toISOString();
    // A test forces an interleaving by holding a stack's update: it waits while the file exists.
    while (existsSync(`${this.path}.hold-${stack}`)) await new Promise((r) => setTimeout(r, 50));
    await this.clock.sleep(this.load().applyMs);
    return this.edit((s) => {
      const st = s.stacks[stack];
      if (!st) return { ok: false, error: `no stack ${stack}` };
      const pin: Pin = { release: release.id, version: release.version, config: release.config };
      const config = { ...st.config, pin: JSON.stringify(pin) };
      // Like a file backend: version 0, the update told apart by its release and time.
      const version = 0;
      st.history.push({
        version,
        result: "succeeded",
        config,
        release: release.id,
        startTime,
        endTime: new Date(this.clock.now()).toISOString(),
      });
      st.config = config;
      const cohort = this.cohortOf(s, stack);
      if (cohort && s.badVersions.includes(release.version)) s.alarms[`${cohort}-errors`] = "ALARM";
      return { ok: true, updateVersion: version };
    });
  }

  async revert(stack: string, to: UpdateRecord): Promise<ApplyResult> {
    this.edit((s) => s.calls.push(`revert ${stack}`));
    await this.clock.sleep(this.load().applyMs);
    return this.edit((s) => {
      const st = s.stacks[stack];
      if (!st) return { ok: false, error: `no stack ${stack}` };
      if (s.failRevert.includes(stack)) return { ok: false, error: "the revert update failed" };
      const version = st.history.length + 1;
      st.history.push({ version, result: "succeeded", config: { ...to.config } });
      st.config = { ...to.config };
      const cohort = this.cohortOf(s, stack);
      if (cohort) s.alarms[`${cohort}-errors`] = "OK";
      return { ok: true, updateVersion: version };
    });
  }

  refresh(stack: string): Promise<ApplyResult> {
    this.edit((s) => {
      s.calls.push(`refresh ${stack}`);
      const st = s.stacks[stack];
      if (st) st.pending = false;
    });
    return Promise.resolve({ ok: true });
  }

  read(names: string[]): Promise<AlarmReading[]> {
    const s = this.load();
    return Promise.resolve(
      names.map((name) => {
        const state = s.alarms[name];
        return state === undefined || state === "MISSING"
          ? { name, exists: false }
          : { name, exists: true, state, periodSeconds: s.periodSeconds, evaluationPeriods: 1 };
      }),
    );
  }
}

/** Ports over a FileWorld and a real FileLedger at the CLI's ledger path. */
export function worldPorts(world: FileWorld, clock: Clock): PortsFactory {
  return (req): BuiltPorts => {
    const path =
      req.ledgerPath ?? join(req.projectDir, ".rollout", `${req.environment}.ledger.jsonl`);
    return {
      driver: world,
      gate: world,
      ledger: new FileLedger(path, { now: () => clock.now() }),
      clock,
      ledgerLocation: path,
      close: () => undefined,
    };
  };
}
