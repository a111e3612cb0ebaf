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
 * edge stack's release is `edgeConfig`, set as plain config keys. Each update
 * records its program revision in `--message` (see program-revision.ts).
 */
import type {
  ConfigMap,
  LocalWorkspace,
  Stack,
  UpdateSummary,
  UpResult,
} from "@pulumi/pulumi/automation/index.js";
import { CONFIG_KEYS, pinSchema } from "../../../components/contract.js";
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
import { ChangeCollector } from "./engine-events.js";
import { killOrphans } from "./orphan-processes.js";
import { pendingOperations, planForPending } from "./pending-operations.js";
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

export class AutomationDriver implements StackDriver {
  private readonly project: string;
  private readonly revisions: ProgramRevisions;
  private readonly workspaces = new Map<string, Promise<LocalWorkspace>>();
  private commandPromise: Promise<PulumiCommandLike> | undefined;

  constructor(private readonly options: AutomationDriverOptions) {
    this.project = options.project ?? DEFAULT_PROJECT;
    this.revisions = options.revisions ?? gitRevisions;
  }

  /** A project-qualified config key, e.g. "cohort-service:pin". */
  key(name: string): string {
    return name.includes(":") ? name : `${this.project}:${name}`;
  }

  async outputs(stack: string): Promise<Record<string, unknown>> {
    const selected = await this.select(stack);
    if (!selected) return {};
    const outputs = await selected.outputs();
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value as unknown]));
  }

  async readPin(stack: string): Promise<Pin | undefined> {
    const selected = await this.select(stack);
    if (!selected) return undefined;
    const config = await selected.getAllConfig();
    const raw = config[this.key(CONFIG_KEYS.pin)]?.value;
    return raw === undefined ? undefined : parsePin(stack, raw);
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
    const before = await selected.getAllConfig();
    const changes = this.releaseConfig(stack, before, release);
    await selected.setAllConfig(changes);
    try {
      // Steps and counts go back in the result, which the runner prints once as the
      // preview summary; only the engine's warnings and errors are progress here.
      const collector = new ChangeCollector(onProgress, "problems");
      const result = await selected.preview({
        onEvent: collector.onEvent,
        ...(signal ? { signal } : {}),
      });
      return { changes: collector.changes, summary: collector.summary(result.changeSummary) };
    } catch (error) {
      // The CLI's one telling line, not the Automation API's whole stdout/stderr dump.
      throw new Error(cliErrorLine(error), { cause: error });
    } finally {
      // A preview must not change what the stack is pinned to.
      await this.restoreConfig(selected, before, changes);
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
    return this.runUpdate(
      stack,
      revision,
      head,
      release.id,
      onProgress,
      signal,
      async (selected) => {
        const config = this.releaseConfig(stack, await selected.getAllConfig(), release);
        await selected.setAllConfig(config);
      },
    );
  }

  async revert(stack: string, to: UpdateRecord, onProgress?: ProgressSink): Promise<ApplyResult> {
    const head = await this.revisions.head(this.options.workDir);
    const revision = to.programRevision ?? head;
    const releaseId = `revert-to-${describeUpdate(to)}`;
    return this.runUpdate(
      stack,
      revision,
      head,
      releaseId,
      onProgress,
      undefined,
      async (selected) => {
        await this.setExactConfig(selected, to.config);
      },
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
    const killed = killOrphans(stack);
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
      }
    }
    const plan = planForPending(stack, pendingOperations(await selected.exportStack()));
    if (plan.kind === "none") return { refreshed: false };
    if (plan.kind === "stop") throw new Error(`error: ${plan.reason}`);
    const cleared = plan.cleared.map((op) => op.urn).join(", ");
    onProgress?.(
      `${stack}: an interrupted update left pending operations; refreshing` +
        (plan.clearPendingCreates ? ` and clearing pending creates (${cleared})` : ""),
    );
    const collector = new ChangeCollector(onProgress);
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
   * config is updated too, so later reads see what was deployed.
   */
  private async runUpdate(
    stack: string,
    revision: string | undefined,
    head: string | undefined,
    releaseId: string,
    onProgress: ProgressSink | undefined,
    signal: AbortSignal | undefined,
    configure: (selected: Stack) => Promise<void>,
  ): Promise<ApplyResult> {
    const message = updateMessage(releaseId, revision);
    const collector = new ChangeCollector(onProgress);
    const upOptions = { message, onEvent: collector.onEvent, ...(signal ? { signal } : {}) };
    try {
      const current = await this.createOrSelect(stack, this.options.workDir);
      await this.recoverInterrupted(current, stack, onProgress);
      await configure(current);
      if (revision === undefined || revision === head) {
        onProgress?.(`up ${stack} (${message})`);
        const result = await current.up(upOptions);
        return succeeded(result);
      }
      onProgress?.(`checking out program revision ${revision} for ${stack}`);
      const checkout = await this.revisions.checkout(this.options.workDir, revision);
      try {
        const old = await this.createOrSelect(stack, checkout.dir);
        await this.setExactConfig(old, plainConfig(await current.getAllConfig()));
        onProgress?.(`up ${stack} from ${revision} (${message})`);
        const result = await old.up(upOptions);
        return succeeded(result);
      } finally {
        this.workspaces.delete(checkout.dir);
        await checkout.remove();
      }
    } catch (error) {
      return failure(error);
    }
  }

  /** The config changes that put `release` on this stack (pin, or edge config). */
  private releaseConfig(stack: string, current: ConfigMap, release: Release): ConfigMap {
    const part = current[this.key(CONFIG_KEYS.part)]?.value;
    if (part === "edge") {
      const changes: ConfigMap = {};
      for (const [k, v] of Object.entries(release.edgeConfig ?? {}))
        changes[this.key(k)] = { value: v };
      return changes;
    }
    if (part === "all") {
      throw new Error(
        `stack "${stack}" is a single-stack deployment (${this.key(CONFIG_KEYS.part)}=all); ` +
          `cohort-rollout drives one stack per cohort. Hint: split it into an edge stack and cohort stacks.`,
      );
    }
    const pin: Pin = pinSchema.parse({
      release: release.id,
      version: release.version,
      config: release.config,
    });
    return { [this.key(CONFIG_KEYS.pin)]: { value: JSON.stringify(pin) } };
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
   * Make the stack's plain config exactly `config`: set every key and remove
   * plain keys it does not have. Secret keys are left alone (history reports
   * them as plain values only with --show-secrets; re-setting them as
   * plaintext would leak them).
   */
  private async setExactConfig(selected: Stack, config: Record<string, string>): Promise<void> {
    const current = await selected.getAllConfig();
    const set: ConfigMap = {};
    for (const [k, v] of Object.entries(config)) {
      if (current[k]?.secret) continue;
      set[k] = { value: v };
    }
    const remove = Object.entries(current)
      .filter(([k, v]) => !v.secret && !(k in config))
      .map(([k]) => k);
    if (Object.keys(set).length > 0) await selected.setAllConfig(set);
    if (remove.length > 0) await selected.removeAllConfig(remove);
  }

  private command(): Promise<PulumiCommandLike> {
    // Every call tagged with its stack, so a killed CLI's plugins can be found (orphan-processes.ts).
    this.commandPromise ??= (
      this.options.pulumiCommand
        ? Promise.resolve(this.options.pulumiCommand)
        : resolvePulumiCommand(this.options.pulumiRoot)
    ).then(taggedCommand);
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
      const { Stack } = await automationSdk();
      return await Stack.select(stack, await this.workspace(this.options.workDir));
    } catch (error) {
      const sdk = loadedAutomationSdk();
      const notFound = sdk !== undefined && error instanceof sdk.StackNotFoundError;
      if (notFound || /no stack named.*found/.test(messageOf(error))) {
        return undefined;
      }
      throw error;
    }
  }

  private async createOrSelect(stack: string, workDir: string): Promise<Stack> {
    const { Stack } = await automationSdk();
    return Stack.createOrSelect(stack, await this.workspace(workDir));
  }
}

function parsePin(stack: string, raw: string): Pin {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`stack "${stack}": config "pin" is not JSON: ${raw.slice(0, 80)}`);
  }
  const parsed = pinSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `pin.${i.path.join(".")}: ${i.message}`)
      .join("; ");
    throw new Error(`stack "${stack}": config "pin" is not a valid pin: ${problems}`);
  }
  return parsed.data;
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

/** File and DIY backends number every update 0: no version is reported rather than a false one. */
function succeeded(result: UpResult): ApplyResult {
  const version = result.summary.version;
  return version > 0 ? { ok: true, updateVersion: version } : { ok: true };
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
