/**
 * StackDriver over the Pulumi Automation API (LocalWorkspace, CLI-backed).
 *
 * One LocalWorkspace over the project dir (where Pulumi.yaml is); every call
 * names its stack (`--stack`), so one cohort's update never touches another.
 * Config goes only through CLI-backed calls (`config set-all`, `config
 * --json`), never LocalWorkspace.stackSettings, which ignores stackConfigDir
 * (pulumi#10305).
 *
 * A cohort stack's release is its `pin` config (a JSON pinSchema object); the
 * edge stack's release is `edgeConfig`, set as plain config keys (both through
 * core/stack-config-codec.ts). Each update records its program revision in
 * `--message` (see program-revision.ts).
 *
 * Every CLI call is a cold start of the Go CLI (a few hundred ms), so an update
 * makes as few as it can (bench/rollout measures it against a bare `pulumi up`):
 * the release's config rides on the `up` itself (`--config`), the update's outcome
 * and outputs come from its own engine events (no `stack output`/`stack history`
 * after it), and what cannot change during a run is read once: a stack's
 * selection, its `part`, and whether it has pending operations (checked again after
 * any update of ours that did not succeed; prefetched during the preview that
 * precedes an apply). The backend is leased to one controller (executor), so no
 * other update of these stacks happens meanwhile.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  ConfigMap,
  EngineEvent,
  LocalWorkspace,
  Stack,
  UpdateSummary,
} from "@pulumi/pulumi/automation/index.js";
import {
  partOfConfig,
  pinOfConfig,
  projectKey,
  releaseConfig,
  type KeyOf,
  type StackPart,
} from "../core/stack-config-codec.js";
import type {
  ApplyResult,
  Pin,
  PreviewResult,
  ProgressSink,
  Release,
  StackDriver,
  UpdateRecord,
} from "../core/ports.js";
import { describeUpdate } from "../core/update-identity.js";
import { ChangeCollector, EventLogTail, StackOutputsCollector } from "./engine-events.js";
import { killOrphans, orphanScope } from "./orphan-processes.js";
import { pendingOperations, planForPending, type PendingPlan } from "./pending-operations.js";
import {
  gitRevisions,
  releaseOf,
  revisionOf,
  updateMessage,
  type ProgramRevisions,
} from "./program-revision.js";
import {
  asSdkCommand,
  automationSdk,
  loadedAutomationSdk,
  resolvePulumiCommand,
  type PulumiCommandLike,
} from "./pulumi-command.js";
import { lockVerdict } from "./stack-locks.js";
import { taggedCommand } from "./tagged-command.js";

export interface AutomationDriverOptions {
  /** The project dir: where Pulumi.yaml is. */
  workDir: string;
  /** The Pulumi project name, the namespace of config keys. Default "cohort-service". */
  project?: string;
  /** The CLI; default: `pulumi` on PATH (or `<pulumiRoot>/bin/pulumi`). */
  pulumiCommand?: PulumiCommandLike;
  pulumiRoot?: string;
  /** Extra environment for every CLI call (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, ...). */
  envVars?: Record<string, string>;
  /** Git access for program revisions; default uses the git CLI. */
  revisions?: ProgramRevisions;
  /** History entries read per page when looking for the last good update. Default 10. */
  historyPageSize?: number;
  /** Give up looking for a good update after this many pages. Default 20. */
  historyMaxPages?: number;
  /**
   * What to do with a lock whose holder is proven dead (stack-locks.ts): "cancel" runs
   * `pulumi cancel` and carries on; "report" (default) leaves it and reports the stack locked.
   * Only a process holding the environment's lease may pass "cancel": the lease proves no
   * other controller drives these stacks, the lock file that its `pulumi` is dead.
   */
  deadLocks?: "cancel" | "report";
}

export const DEFAULT_PROJECT = "cohort-service";

/** Stderr texts the Automation API maps to ConcurrentUpdateError. */
const LOCKED =
  /the stack is currently locked by|\[409\] Conflict: Another update is currently in progress/;

/** What the driver knows of one stack within its run (see the file's comment). */
interface StackKnowledge {
  /** The stack's `part` config, once read: nothing the rollout does changes it. */
  part?: StackPart;
  /** "Nothing pending", from the last `stack export`, while no update of ours has failed since. */
  pending?: Promise<PendingPlan>;
  /** The outputs its last update (ours, succeeded) registered, while nothing else ran since. */
  outputs?: Record<string, unknown>;
}

/** Backends that number every update 0 (update-identity.ts): no history read gives a version. */
const DIY_BACKEND = /^(file|s3|gs|azblob):\/\//;

export class AutomationDriver implements StackDriver {
  private readonly project: string;
  private readonly revisions: ProgramRevisions;
  private readonly workspaces = new Map<string, Promise<LocalWorkspace>>();
  /** Selected stacks by project dir and name: `stack select` once per stack and run. */
  private readonly selected = new Map<string, Promise<Stack>>();
  private readonly known = new Map<string, StackKnowledge>();
  private commandPromise: Promise<PulumiCommandLike> | undefined;
  /** Qualifies config keys with the project (the codec's KeyOf). */
  private readonly keyOf: KeyOf;

  constructor(private readonly options: AutomationDriverOptions) {
    this.project = options.project ?? DEFAULT_PROJECT;
    this.revisions = options.revisions ?? gitRevisions;
    this.keyOf = projectKey(this.project);
  }

  /** A project-qualified config key, e.g. "cohort-service:pin". */
  key(name: string): string {
    return this.keyOf(name);
  }

  async outputs(stack: string): Promise<Record<string, unknown>> {
    const known = this.known.get(stack)?.outputs;
    if (known) return structuredClone(known);
    const selected = await this.select(stack);
    if (!selected) return {};
    const outputs = await selected.outputs();
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value as unknown]));
  }

  async readPin(stack: string): Promise<Pin | undefined> {
    const selected = await this.select(stack);
    if (!selected) return undefined;
    const config = this.remember(stack, await selected.getAllConfig());
    return pinOfConfig(plainConfig(config), `stack "${stack}"`, this.keyOf);
  }

  async lastGoodUpdate(stack: string): Promise<UpdateRecord | undefined> {
    const selected = await this.select(stack);
    if (!selected) return undefined;
    const pageSize = this.options.historyPageSize ?? 10;
    const maxPages = this.options.historyMaxPages ?? 20;
    for (let page = 1; page <= maxPages; page++) {
      const entries = await selected.history(pageSize, page);
      for (const entry of entries) {
        if (entry.kind === "update" && entry.result === "succeeded") return toUpdateRecord(entry);
      }
      if (entries.length < pageSize) return undefined;
    }
    return undefined;
  }

  /** The stack's update history, newest first, as UpdateRecords (updates only). */
  async history(stack: string, pageSize = 10): Promise<UpdateRecord[]> {
    const selected = await this.select(stack);
    if (!selected) return [];
    const entries = await selected.history(pageSize, 1);
    return entries.filter((e) => e.kind === "update").map(toUpdateRecord);
  }

  async preview(
    stack: string,
    release: Release,
    onProgress?: ProgressSink,
    signal?: AbortSignal,
  ): Promise<PreviewResult> {
    const selected = await this.createOrSelect(stack, this.options.workDir);
    const before = this.remember(stack, await selected.getAllConfig());
    // An apply follows most previews: its look for pending operations runs beside this one.
    void this.pendingPlan(selected, stack).catch(() => undefined);
    const changes = releaseConfig(stack, partOfConfig(plainConfig(before)), release, this.keyOf);
    try {
      // Steps and counts go back in the result, which the runner prints once as the
      // preview summary; only the engine's warnings and errors are progress here.
      const collector = new ChangeCollector(onProgress, "problems");
      // `--config` sets the release for the preview (and saves it: restored below).
      await this.runEngine("preview", stack, this.options.workDir, {
        args: configFlags(changes),
        onEvent: collector.onEvent,
        signal,
      });
      return { changes: collector.changes, summary: collector.summary() };
    } catch (error) {
      // The CLI's one telling line, not the Automation API's whole stdout/stderr dump.
      throw new Error(cliErrorLine(error), { cause: error });
    } finally {
      // A preview must not change what the stack is pinned to.
      await this.restoreConfig(selected, before, toConfigMap(changes));
    }
  }

  async apply(
    stack: string,
    release: Release,
    onProgress?: ProgressSink,
    signal?: AbortSignal,
  ): Promise<ApplyResult> {
    const head = await this.revisions.head(this.options.workDir);
    const revision = release.programRevision ?? head;
    return this.runUpdate(stack, revision, head, release.id, onProgress, signal, async (selected) =>
      releaseConfig(stack, await this.partOf(selected, stack), release, this.keyOf),
    );
  }

  async revert(stack: string, to: UpdateRecord, onProgress?: ProgressSink): Promise<ApplyResult> {
    const head = await this.revisions.head(this.options.workDir);
    const revision = to.programRevision ?? head;
    const releaseId = `revert-to-${describeUpdate(to)}`;
    return this.runUpdate(stack, revision, head, releaseId, onProgress, undefined, (selected) =>
      this.exactConfig(selected, to.config),
    );
  }

  /**
   * Refresh the stack: orphaned plugins of a killed CLI killed, a dead holder's lock
   * cancelled (when allowed), pending operations resolved where that is safe
   * (pending-operations.ts). Fails, naming the commands to run, where it is not.
   */
  async refresh(stack: string, onProgress?: ProgressSink): Promise<ApplyResult> {
    try {
      const selected = await this.createOrSelect(stack, this.options.workDir);
      const handled = await this.recoverInterrupted(selected, stack, onProgress);
      if (!handled.refreshed) {
        const collector = new ChangeCollector(onProgress);
        this.forgetState(stack);
        await selected.refresh({ onEvent: collector.onEvent });
      }
      onProgress?.(`refreshed ${stack}`);
      return { ok: true };
    } catch (error) {
      return failure(error);
    }
  }

  /**
   * What an interrupted update (a killed CLI, a lost runner) left on the stack, cleared
   * before it is driven again: its orphaned plugins, its lock (only when its holder is proven
   * dead and `deadLocks` is "cancel"), and its pending operations (refreshed, creates cleared
   * only where safe; otherwise this throws with the exact commands to run).
   */
  private async recoverInterrupted(
    selected: Stack,
    stack: string,
    onProgress: ProgressSink | undefined,
  ): Promise<{ refreshed: boolean }> {
    const killed = killOrphans(stack, orphanScope(this.project, this.options.envVars));
    if (killed.length > 0)
      onProgress?.(
        `${stack}: killed ${String(killed.length)} orphaned plugin process(es) of a dead pulumi (pids ${killed.join(", ")})`,
      );
    if (this.options.deadLocks === "cancel") {
      const lock = lockVerdict(await this.backendUrl(), this.project, stack);
      if (lock.kind === "dead") {
        const who = lock.holders.map((h) => `pid ${String(h.pid)}`).join(", ");
        onProgress?.(`${stack}: its lock is held by a dead pulumi (${who}); running pulumi cancel`);
        await selected.cancel();
        this.forgetState(stack);
      }
    }
    const plan = await this.pendingPlan(selected, stack);
    if (plan.kind === "none") return { refreshed: false };
    if (plan.kind === "stop") throw new Error(`error: ${plan.reason}`);
    const cleared = plan.cleared.map((op) => op.urn).join(", ");
    onProgress?.(
      `${stack}: an interrupted update left pending operations; refreshing` +
        (plan.clearPendingCreates ? ` and clearing pending creates (${cleared})` : ""),
    );
    const collector = new ChangeCollector(onProgress);
    this.forgetState(stack);
    await selected.refresh({
      onEvent: collector.onEvent,
      ...(plan.clearPendingCreates ? { clearPendingCreates: true } : {}),
    });
    return { refreshed: true };
  }

  private backendUrlPromise: Promise<string | undefined> | undefined;

  /** The backend's URL: from the driver's environment, else the CLI's login. */
  private backendUrl(): Promise<string | undefined> {
    this.backendUrlPromise ??= (async () => {
      const fromEnv = this.options.envVars?.PULUMI_BACKEND_URL ?? process.env.PULUMI_BACKEND_URL;
      if (fromEnv) return fromEnv;
      try {
        const who = await (await this.workspace(this.options.workDir)).whoAmI();
        return who.url;
      } catch {
        return undefined;
      }
    })();
    return this.backendUrlPromise;
  }

  /**
   * Set config and `up` one stack, from the current tree or, when `revision`
   * is not HEAD, from a git worktree of that revision. The current tree's
   * config is updated too, so later reads see what was deployed. `configure`
   * returns the plain config keys the update sets (from the current tree there,
   * they ride on the `up` as `--config`).
   */
  private async runUpdate(
    stack: string,
    revision: string | undefined,
    head: string | undefined,
    releaseId: string,
    onProgress: ProgressSink | undefined,
    signal: AbortSignal | undefined,
    configure: (selected: Stack) => Promise<Record<string, string>>,
  ): Promise<ApplyResult> {
    const message = updateMessage(releaseId, revision);
    const collector = new ChangeCollector(onProgress);
    try {
      const current = await this.createOrSelect(stack, this.options.workDir);
      // Reading what to set (a config read, when the part is not known yet) runs beside
      // the look for pending operations: both only read.
      const configuring = configure(current);
      configuring.catch(() => undefined);
      await this.recoverInterrupted(current, stack, onProgress);
      const set = await configuring;
      if (revision === undefined || revision === head) {
        onProgress?.(`up ${stack} (${message})`);
        return await this.up(stack, this.options.workDir, message, set, collector, signal);
      }
      if (Object.keys(set).length > 0) await current.setAllConfig(toConfigMap(set));
      onProgress?.(`checking out program revision ${revision} for ${stack}`);
      const checkout = await this.revisions.checkout(this.options.workDir, revision);
      try {
        const old = await this.createOrSelect(stack, checkout.dir);
        const exact = await this.exactConfig(old, plainConfig(await current.getAllConfig()));
        if (Object.keys(exact).length > 0) await old.setAllConfig(toConfigMap(exact));
        onProgress?.(`up ${stack} from ${revision} (${message})`);
        return await this.up(stack, checkout.dir, message, {}, collector, signal);
      } finally {
        this.workspaces.delete(checkout.dir);
        this.selected.delete(selectionKey(checkout.dir, stack));
        await checkout.remove();
      }
    } catch (error) {
      this.forgetState(stack);
      return failure(error);
    }
  }

  /**
   * `pulumi up` of one stack with `config` set on it, its outcome and outputs read from
   * its own engine events: the Automation API's `up` reads `stack output` twice and
   * `stack history` after every update, three cold CLI starts the rollout does not need.
   */
  private async up(
    stack: string,
    workDir: string,
    message: string,
    config: Record<string, string>,
    collector: ChangeCollector,
    signal: AbortSignal | undefined,
  ): Promise<ApplyResult> {
    const outputs = new StackOutputsCollector();
    await this.runEngine("up", stack, workDir, {
      args: ["--yes", "--skip-preview", "--message", message, ...configFlags(config)],
      onEvent: (event) => {
        collector.onEvent(event);
        outputs.onEvent(event);
      },
      signal,
    });
    const known = this.knowledge(stack);
    // A succeeded update leaves no pending operation behind.
    known.pending = Promise.resolve({ kind: "none" });
    if (outputs.outputs) known.outputs = outputs.outputs;
    else delete known.outputs;
    const version = await this.updateVersion(stack);
    return version !== undefined && version > 0
      ? { ok: true, updateVersion: version }
      : { ok: true };
  }

  /**
   * The number the backend gave the update just made: read from history only where the
   * backend numbers updates (Pulumi Cloud); a DIY backend's is always 0.
   */
  private async updateVersion(stack: string): Promise<number | undefined> {
    const url = await this.backendUrl();
    if (url !== undefined && DIY_BACKEND.test(url)) return undefined;
    const selected = await this.select(stack);
    const [latest] = selected ? await selected.history(1, 1) : [];
    return latest?.version;
  }

  /**
   * Runs `pulumi <operation>` on one stack through the driver's CLI, its engine events
   * followed from an `--event-log` file (the CLI accepts the flag with
   * PULUMI_DEBUG_COMMANDS, as the Automation API runs it). Throws like the Automation API
   * on a non-zero exit (ConcurrentUpdateError for a locked stack, ...).
   */
  private async runEngine(
    operation: "up" | "preview",
    stack: string,
    workDir: string,
    run: {
      /** Arguments after the operation's name (the driver adds the event log and the stack). */
      args: string[];
      onEvent: (event: EngineEvent) => void;
      signal: AbortSignal | undefined;
    },
  ): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), `cohort-rollout-${operation}-`));
    const log = join(dir, "events.jsonl");
    await writeFile(log, "");
    const tail = new EventLogTail(log, run.onEvent);
    try {
      const command = await this.command();
      await command.run(
        [operation, ...run.args, "--exec-kind", "auto.local", "--event-log", log, "--stack", stack],
        workDir,
        { PULUMI_DEBUG_COMMANDS: "true", ...this.options.envVars },
        undefined,
        undefined,
        run.signal,
      );
    } finally {
      await tail.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** What the driver knows of `stack` in this run. */
  private knowledge(stack: string): StackKnowledge {
    let known = this.known.get(stack);
    if (!known) {
      known = {};
      this.known.set(stack, known);
    }
    return known;
  }

  /** Records what a config read tells that cannot change during the run (the part). */
  private remember(stack: string, config: ConfigMap): ConfigMap {
    this.knowledge(stack).part = partOfConfig(plainConfig(config), this.keyOf);
    return config;
  }

  /** The stack's part, read from its config the first time only. */
  private async partOf(selected: Stack, stack: string): Promise<StackPart> {
    const part = this.known.get(stack)?.part;
    if (part !== undefined) return part;
    this.remember(stack, await selected.getAllConfig());
    return this.knowledge(stack).part ?? "cohort";
  }

  /** What an update that did not succeed (or a refresh, a cancel) may have changed. */
  private forgetState(stack: string): void {
    const known = this.known.get(stack);
    if (!known) return;
    delete known.pending;
    delete known.outputs;
  }

  /** The stack's pending operations: one `stack export` until an update of ours fails. */
  private pendingPlan(selected: Stack, stack: string): Promise<PendingPlan> {
    const known = this.knowledge(stack);
    if (!known.pending) {
      const plan = selected
        .exportStack()
        .then((state) => planForPending(stack, pendingOperations(state)));
      known.pending = plan;
      // Only "nothing pending" is remembered: what is pending an operator may resolve by
      // hand at any time (the commands a stop names), and a failed look is looked again.
      const forget = (): void => {
        if (known.pending === plan) delete known.pending;
      };
      plan.then((found) => found.kind === "none" || forget(), forget);
    }
    return known.pending;
  }

  private async restoreConfig(
    selected: Stack,
    before: ConfigMap,
    changed: ConfigMap,
  ): Promise<void> {
    const restore: ConfigMap = {};
    const remove: string[] = [];
    for (const key of Object.keys(changed)) {
      const old = before[key];
      if (old) restore[key] = old;
      else remove.push(key);
    }
    if (Object.keys(restore).length > 0) await selected.setAllConfig(restore);
    if (remove.length > 0) await selected.removeAllConfig(remove);
  }

  /**
   * Make the stack's plain config exactly `config`: plain keys it does not have are
   * removed here, and the keys to set are returned (set by the caller, on the `up`).
   * Secret keys are left alone (history reports them as plain values only with
   * --show-secrets; re-setting them as plaintext would leak them).
   */
  private async exactConfig(
    selected: Stack,
    config: Record<string, string>,
  ): Promise<Record<string, string>> {
    const current = await selected.getAllConfig();
    const set: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
      if (current[k]?.secret) continue;
      set[k] = v;
    }
    const remove = Object.entries(current)
      .filter(([k, v]) => !v.secret && !(k in config))
      .map(([k]) => k);
    if (remove.length > 0) await selected.removeAllConfig(remove);
    return set;
  }

  private command(): Promise<PulumiCommandLike> {
    // Every call tagged with its stack, so a killed CLI's plugins can be found (orphan-processes.ts).
    this.commandPromise ??= (
      this.options.pulumiCommand
        ? Promise.resolve(this.options.pulumiCommand)
        : resolvePulumiCommand(this.options.pulumiRoot)
    ).then((cli) => taggedCommand(cli, this.project));
    return this.commandPromise;
  }

  private workspace(workDir: string): Promise<LocalWorkspace> {
    let workspace = this.workspaces.get(workDir);
    if (!workspace) {
      workspace = Promise.all([this.command(), automationSdk()]).then(([command, sdk]) =>
        sdk.LocalWorkspace.create({
          workDir,
          pulumiCommand: asSdkCommand(command),
          ...(this.options.envVars ? { envVars: this.options.envVars } : {}),
        }),
      );
      this.workspaces.set(workDir, workspace);
      workspace.catch(() => this.workspaces.delete(workDir));
    }
    return workspace;
  }

  /** The stack, or undefined when it does not exist (never deployed). */
  private async select(stack: string): Promise<Stack | undefined> {
    try {
      return await this.selectIn(stack, this.options.workDir, "select");
    } catch (error) {
      const sdk = loadedAutomationSdk();
      const notFound = sdk !== undefined && error instanceof sdk.StackNotFoundError;
      if (notFound || /no stack named.*found/.test(messageOf(error))) {
        return undefined;
      }
      throw error;
    }
  }

  private createOrSelect(stack: string, workDir: string): Promise<Stack> {
    return this.selectIn(stack, workDir, "createOrSelect");
  }

  /** `stack select` once per stack and project dir; a failed one is not remembered. */
  private selectIn(
    stack: string,
    workDir: string,
    how: "select" | "createOrSelect",
  ): Promise<Stack> {
    const key = selectionKey(workDir, stack);
    let selected = this.selected.get(key);
    if (!selected) {
      selected = Promise.all([automationSdk(), this.workspace(workDir)]).then(
        ([{ Stack }, workspace]) => Stack[how](stack, workspace),
      );
      this.selected.set(key, selected);
      const remembered = selected;
      selected.catch(() => {
        if (this.selected.get(key) === remembered) this.selected.delete(key);
      });
    }
    return selected;
  }
}

function selectionKey(workDir: string, stack: string): string {
  return `${workDir}\0${stack}`;
}

/** `--config=key=value` per key: one argument each, so a value starting with "-" stays a value. */
function configFlags(config: Record<string, string>): string[] {
  return Object.entries(config).map(([k, v]) => `--config=${k}=${v}`);
}

function toConfigMap(config: Record<string, string>): ConfigMap {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v }]));
}

function plainConfig(config: ConfigMap): Record<string, string> {
  const plain: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (!v.secret) plain[k] = v.value;
  return plain;
}

export function toUpdateRecord(entry: UpdateSummary): UpdateRecord {
  const config: Record<string, string> = {};
  // The CLI's JSON holds `value` for strings and `objectValue` for structured config.
  for (const [k, v] of Object.entries(entry.config as Record<string, ConfigValueJson>)) {
    if (v.secret) continue;
    if (typeof v.value === "string") config[k] = v.value;
    else if (v.objectValue !== undefined) config[k] = JSON.stringify(v.objectValue);
  }
  const record: UpdateRecord = { version: entry.version, result: entry.result, config };
  const release = releaseOf(entry.message);
  if (release !== undefined) record.release = release;
  const revision = revisionOf(entry.message, entry.environment);
  if (revision !== undefined) record.programRevision = revision;
  const start = isoOf(entry.startTime);
  if (start !== undefined) record.startTime = start;
  const end = isoOf(entry.endTime);
  if (end !== undefined) record.endTime = end;
  return record;
}

interface ConfigValueJson {
  value?: string;
  objectValue?: unknown;
  secret?: boolean;
}

function isoOf(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One line: the CLI's error without the Automation API's `code: ... stdout: ...` wrapping. */
export function cliErrorLine(error: unknown): string {
  const text = messageOf(error);
  const stderr = /stderr: ([\s\S]*?)(?:\n err\?:|$)/.exec(text)?.[1] ?? text;
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const chosen = lines.find((l) => /^error:/i.test(l)) ?? lines[0] ?? text.trim();
  return chosen.slice(0, 500);
}

function failure(error: unknown): ApplyResult {
  const sdk = loadedAutomationSdk();
  const locked =
    (sdk !== undefined && error instanceof sdk.ConcurrentUpdateError) ||
    LOCKED.test(messageOf(error));
  const result: ApplyResult = { ok: false, error: cliErrorLine(error) };
  if (locked) result.locked = true;
  return result;
}
