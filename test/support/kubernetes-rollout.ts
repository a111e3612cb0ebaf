/**
 * The Kubernetes example environment on real engines, for test/kubernetes/rollout-e2e.test.ts
 * and `npm run demo:k8s` (scripts/demo-k8s/run.ts): a throwaway Pulumi project running
 * scripts/demo-k8s/program.ts on a file backend, deployed with the real CLI and the real
 * Kubernetes provider to a local control plane (control-plane.ts, with kwok's fake node); its
 * cohorts' CloudWatch alarms created in moto (cohort-alarms.ts: the program declares them
 * `external`); and `cohort-rollout` run as a user runs it, against those stacks and that moto.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { CohortOutput, Pin } from "../../components/contract.js";
import type { ProgressUpdate } from "../../stacks/rollout/core/progress.js";
import { KUBERNETES_EXAMPLE } from "../../scripts/demo-k8s/example.js";
import type { ControlPlane } from "./control-plane.js";
import { PROJECT_ROOT, engineEnv, type PulumiEngine } from "./engine.js";

const PROGRAM = join(PROJECT_ROOT, "scripts", "demo-k8s", "program.ts");
const ROLLOUT_CLI = join(PROJECT_ROOT, "stacks", "rollout", "cli", "main.ts");

export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` to its end, collecting its output; `onLine` sees stdout line by line. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; onLine?: (line: string) => void },
): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: string[] = [];
    const err: Buffer[] = [];
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      out.push(line);
      options.onLine?.(line);
    });
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    // Wait for both the exit and the last stdout line, so no line is lost.
    let code: number | null | undefined;
    let closed = false;
    const finish = () => {
      if (code === undefined || !closed) return;
      resolve({ code, stdout: out.join("\n"), stderr: Buffer.concat(err).toString("utf8") });
    };
    lines.on("close", () => {
      closed = true;
      finish();
    });
    child.on("exit", (c) => {
      code = c;
      finish();
    });
  });
}

export interface DeploymentState {
  /** The image of the pod template. */
  image: string;
  /** Every pod is of the current template and ready (the rollout has finished). */
  current: boolean;
}

export interface KubernetesProjectOptions {
  /** The control plane the program deploys to (its kubeconfig). */
  plane: ControlPlane;
  /** The AWS endpoint (moto) the rollout's gates read. */
  awsEndpoint: string;
}

/** The example environment as one Pulumi project in a temporary folder. */
export class KubernetesProject {
  readonly dir: string;
  readonly projectDir: string;
  readonly env: Record<string, string>;
  /** The environment's name (the file's `environment.name`) and its edge stack. */
  readonly environment = "kube";
  readonly cohorts = ["free", "pro"] as const;

  /**
   * @param engine the real Pulumi CLI (engine.ts).
   * @param options the cluster and the AWS endpoint.
   */
  constructor(
    engine: PulumiEngine,
    readonly options: KubernetesProjectOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "cohort-k8s-project-"));
    this.projectDir = join(this.dir, "project");
    mkdirSync(this.projectDir);
    writeFileSync(
      join(this.projectDir, "Pulumi.yaml"),
      [
        "name: cohort-service",
        "main: index.ts",
        "runtime:",
        "  name: nodejs",
        "  options:",
        "    typescript: false",
        '    nodeargs: "--import tsx"',
        "",
      ].join("\n"),
    );
    // Linked, not copied: Node resolves the program's imports from the repository.
    symlinkSync(PROGRAM, join(this.projectDir, "index.ts"));
    symlinkSync(join(PROJECT_ROOT, "package.json"), join(this.projectDir, "package.json"));
    symlinkSync(join(PROJECT_ROOT, "node_modules"), join(this.projectDir, "node_modules"));
    this.env = {
      ...engineEnv(engine, join(this.dir, "state")),
      KUBECONFIG: options.plane.kubeconfig,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      NO_COLOR: "1",
    };
  }

  /** `<env>.<cohort>`: how the rollout addresses a cohort's stack. */
  stackOf(cohort: string): string {
    return `${this.environment}.${cohort}`;
  }

  /** Runs the real `pulumi` in the project; throws with its output when it fails. */
  async pulumi(args: string[]): Promise<string> {
    const result = await run("pulumi", args, { cwd: this.projectDir, env: this.env });
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} failed (${String(result.code)}):\n${result.stderr}\n${result.stdout}`,
      );
    }
    return result.stdout;
  }

  /** Creates a stack with the example's config. */
  private async initStack(stack: string, config: Record<string, string>): Promise<void> {
    await this.pulumi(["stack", "init", stack, "--non-interactive"]);
    for (const [key, value] of Object.entries(config)) {
      await this.pulumi(["config", "set", `cohort-service:${key}`, value, "--stack", stack]);
    }
  }

  /**
   * The first deployment, by hand as an operator would do it: the edge stack, then every
   * cohort stack (concurrently: they share nothing) on `pin`.
   * @param pin every cohort's first release.
   */
  async deployEnvironment(pin: Pin): Promise<void> {
    await this.initStack(this.environment, { environment: KUBERNETES_EXAMPLE, part: "edge" });
    await this.pulumi(["up", "--yes", "--skip-preview", "--stack", this.environment]);
    await Promise.all(
      this.cohorts.map(async (cohort) => {
        const stack = this.stackOf(cohort);
        await this.initStack(stack, {
          environment: KUBERNETES_EXAMPLE,
          part: "cohort",
          cohort,
          pin: JSON.stringify(pin),
        });
        await this.pulumi(["up", "--yes", "--skip-preview", "--stack", stack]);
      }),
    );
  }

  /** A cohort stack's exported CohortOutput. */
  async cohortOutput(cohort: string): Promise<CohortOutput> {
    const text = await this.pulumi(["stack", "output", "--json", "--stack", this.stackOf(cohort)]);
    const outputs = JSON.parse(text) as { cohorts: Record<string, CohortOutput> };
    const output = outputs.cohorts[cohort];
    if (output === undefined) throw new Error(`stack ${this.stackOf(cohort)} exports no ${cohort}`);
    return output;
  }

  /** How many updates a stack's history holds. */
  async updateCount(stack: string): Promise<number> {
    const text = await this.pulumi(["stack", "history", "--json", "--stack", stack]);
    return (JSON.parse(text) as { kind: string }[]).filter((u) => u.kind === "update").length;
  }

  /**
   * `cohort-rollout deploy` of `version`, as a user runs it, reading alarms from moto.
   * @param release the release id.
   * @param version the image tag.
   * @param bakeScale how much of each cohort's bake to wait.
   * @param onUpdate sees each NDJSON progress update while the rollout runs.
   */
  deploy(
    release: string,
    version: string,
    bakeScale: number,
    onUpdate?: (update: ProgressUpdate) => void,
  ): Promise<CommandRun> {
    return run(
      process.execPath,
      [
        "--import",
        "tsx",
        ROLLOUT_CLI,
        "deploy",
        ...["--environment", this.environment, "--release", release, "--version", version],
        ...["--project-dir", this.projectDir, "--ledger-path", join(this.dir, "ledger.jsonl")],
        ...["--endpoint-url", this.options.awsEndpoint, "--region", "us-east-1"],
        ...[
          "--poll-interval",
          "200ms",
          "--publication-lag",
          "0",
          "--bake-scale",
          String(bakeScale),
        ],
        "--json",
      ],
      {
        cwd: PROJECT_ROOT,
        env: this.env,
        onLine: (line) => {
          if (onUpdate === undefined || !line.startsWith("{")) return;
          onUpdate(JSON.parse(line) as ProgressUpdate);
        },
      },
    );
  }

  /** A cohort's Deployment as the API server has it: its image and its rollout's progress. */
  async deployment(cohort: string): Promise<DeploymentState> {
    const r = await this.options.plane.call(
      "GET",
      `/apis/apps/v1/namespaces/cohort-${cohort}/deployments/app`,
    );
    if (r.status !== 200) throw new Error(`no Deployment in cohort-${cohort}: ${r.status}`);
    const spec = r.body.spec as { template: { spec: { containers: { image: string }[] } } };
    const status = (r.body.status ?? {}) as Record<string, number | undefined>;
    const meta = r.body.metadata as { generation: number };
    return {
      image: spec.template.spec.containers[0]?.image ?? "",
      current:
        status.observedGeneration === meta.generation &&
        status.updatedReplicas === status.replicas &&
        status.readyReplicas === status.replicas &&
        (status.unavailableReplicas ?? 0) === 0,
    };
  }

  /** Removes the project folder (state, ledger). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
