/**
 * A local Kubernetes control plane for tests: etcd and kube-apiserver v1.33 on 127.0.0.1 with
 * free ports, a CA and serving certificate made with openssl, token authentication, and the
 * Gateway API and AWS Load Balancer Controller (TargetGroupBinding) CRDs applied. Binaries come from scripts/ensure-k8s.sh. Start it only in the
 * suites that need it (the machine is shared) and stop it in afterAll: `stop()` kills the
 * processes it started, by PID, and removes their data.
 *
 * Outside CI a machine without the binaries skips the suite with a loud line; with CI=true a
 * missing control plane fails the suite.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { inCi, PROJECT_ROOT } from "./engine.js";
import { writeKwokStages } from "./kwok-stages.js";

export interface ControlPlaneTools {
  binDir: string;
  etcd: string;
  gatewayCrdDir: string;
  /** The AWS Load Balancer Controller's CRDs (TargetGroupBinding). */
  albCrdDir: string;
  /** kwok's stage files (fast node initialise, heartbeat, pod lifecycle). */
  kwokStagesDir: string;
}

export interface ControlPlaneOptions {
  /**
   * Also run kube-controller-manager, kube-scheduler and kwok with one fake node, so that
   * Deployments roll out and pods become Ready (no kubelet, no containers: kwok writes their
   * status). Off by default: validation-only suites need none of it.
   */
  workloads?: boolean;
}

export interface ApiResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface ControlPlane {
  url: string;
  token: string;
  caFile: string;
  /** A kubeconfig file for this control plane (token auth as system:masters). */
  kubeconfig: string;
  /** A request to the API server as system:masters. */
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiResponse>;
  /** Server-side apply of one object; `dryRun` validates without persisting. */
  apply(object: Record<string, unknown>, options?: { dryRun?: boolean }): Promise<ApiResponse>;
  stop(): void;
}

/** Finds the binaries (unpacking them on first use); undefined with the reason when missing. */
export function probeControlPlane(): { tools?: ControlPlaneTools; reason?: string } {
  const run = spawnSync("bash", [join(PROJECT_ROOT, "scripts", "ensure-k8s.sh")], {
    encoding: "utf8",
    timeout: 600_000,
  });
  if (run.status !== 0) return { reason: run.stderr.trim() || `exit ${String(run.status)}` };
  const vars = Object.fromEntries(
    run.stdout
      .trim()
      .split("\n")
      .map((line) => line.split("=", 2) as [string, string]),
  );
  return {
    tools: {
      binDir: vars.K8S_BIN_DIR ?? "",
      etcd: vars.ETCD_BIN ?? "etcd",
      gatewayCrdDir: vars.GATEWAY_CRD_DIR ?? "",
      albCrdDir: vars.ALB_CRD_DIR ?? "",
      kwokStagesDir: vars.KWOK_STAGES_DIR ?? "",
    },
  };
}

/** The tools for a suite, or undefined after a loud skip line; in CI a missing one throws. */
export function controlPlaneToolsFor(suite: string): ControlPlaneTools | undefined {
  const probe = probeControlPlane();
  if (probe.tools !== undefined) return probe.tools;
  const message = `the local Kubernetes control plane is missing (${probe.reason ?? "?"})`;
  if (inCi()) throw new Error(`${suite}: ${message}; CI never skips this suite`);
  console.warn(`\n!!! SKIPPED: ${suite}: ${message}. Run scripts/ensure-k8s.sh.\n`);
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  const run = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`openssl ${args[0] ?? ""} failed: ${run.stderr}`);
}

/** CA, serving cert for IP:127.0.0.1 and a service-account key pair, in `dir`. */
function makeCertificates(dir: string): void {
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=test-ca",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
    ],
    dir,
  );
  openssl(
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=kube-apiserver",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
    ],
    dir,
  );
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      "san.ext",
      "-out",
      "server.crt",
    ],
    dir,
  );
  openssl(["genrsa", "-out", "sa.key", "2048"], dir);
  openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
}

function pathOf(object: Record<string, unknown>): string {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const meta = (object.metadata ?? {}) as { name?: string; namespace?: string };
  const plural =
    kind === "CustomResourceDefinition"
      ? "customresourcedefinitions"
      : kind === "NetworkPolicy"
        ? "networkpolicies"
        : kind === "ResourceQuota"
          ? "resourcequotas"
          : kind === "HTTPRoute"
            ? "httproutes"
            : `${kind.toLowerCase()}s`;
  const group = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = meta.namespace !== undefined ? `/namespaces/${meta.namespace}` : "";
  return `${group}${ns}/${plural}/${meta.name ?? ""}`;
}

/** A kubeconfig for `url`, trusting `caFile`, authenticating with `token`. */
function kubeconfigText(url: string, caFile: string, token: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: local",
    `    cluster: { server: "${url}", certificate-authority: "${caFile}" }`,
    "users:",
    "  - name: admin",
    `    user: { token: "${token}" }`,
    "contexts:",
    "  - name: local",
    "    context: { cluster: local, user: admin, namespace: default }",
    "current-context: local",
    "",
  ].join("\n");
}

/** The fake node kwok manages (its annotation is kwok's selector): room for every test pod. */
const FAKE_NODE = {
  apiVersion: "v1",
  kind: "Node",
  metadata: {
    name: "kwok-node-0",
    annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
    labels: { type: "kwok", "kubernetes.io/hostname": "kwok-node-0", "kubernetes.io/os": "linux" },
  },
  status: {
    allocatable: { cpu: "64", memory: "256Gi", pods: "250" },
    capacity: { cpu: "64", memory: "256Gi", pods: "250" },
  },
};

/**
 * Starts etcd and kube-apiserver, waits for /readyz, applies the Gateway API CRDs; with
 * `workloads`, also the controller manager, the scheduler and kwok with one Ready fake node.
 * @param tools the binaries (probeControlPlane).
 * @param options what to run besides the API server.
 */
export async function startControlPlane(
  tools: ControlPlaneTools,
  options: ControlPlaneOptions = {},
): Promise<ControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), "cohort-k8s-"));
  makeCertificates(dir);
  const token = "cohort-test-token";
  writeFileSync(join(dir, "tokens.csv"), `${token},admin,admin,system:masters\n`);
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const processes: ChildProcess[] = [];
  // Once stopped, the folder is gone: a process's exit (which arrives after the SIGKILL) must
  // not write its log there, or the write throws outside any test.
  let stopped = false;
  const log = (name: string) => join(dir, `${name}.log`);
  const start = (name: string, command: string, args: string[]) => {
    const child = spawn(command, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    const chunks: Buffer[] = [];
    child.stderr?.on("data", (d: Buffer) => chunks.push(d));
    child.on("exit", () => {
      if (!stopped) writeFileSync(log(name), Buffer.concat(chunks));
    });
    processes.push(child);
  };
  start("etcd", tools.etcd, [
    "--data-dir",
    join(dir, "etcd"),
    "--listen-client-urls",
    `http://127.0.0.1:${etcdClient}`,
    "--advertise-client-urls",
    `http://127.0.0.1:${etcdClient}`,
    "--listen-peer-urls",
    `http://127.0.0.1:${etcdPeer}`,
    "--initial-advertise-peer-urls",
    `http://127.0.0.1:${etcdPeer}`,
    "--initial-cluster",
    `default=http://127.0.0.1:${etcdPeer}`,
  ]);
  start("kube-apiserver", join(tools.binDir, "kube-apiserver"), [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${apiPort}`,
    "--tls-cert-file=server.crt",
    "--tls-private-key-file=server.key",
    "--client-ca-file=ca.crt",
    "--token-auth-file=tokens.csv",
    "--authorization-mode=RBAC",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    "--service-account-key-file=sa.pub",
    "--service-account-signing-key-file=sa.key",
    "--service-cluster-ip-range=10.0.0.0/24",
    "--enable-priority-and-fairness=false",
  ]);
  const ca = readFileSync(join(dir, "ca.crt"));
  const call = (method: string, path: string, body?: unknown, contentType = "application/json") =>
    new Promise<ApiResponse>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: "127.0.0.1",
          port: apiPort,
          path,
          method,
          ca,
          headers: {
            Authorization: `Bearer ${token}`,
            ...(payload !== undefined ? { "Content-Type": contentType } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (d: Buffer) => chunks.push(d));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: Record<string, unknown>;
            try {
              parsed = JSON.parse(text) as Record<string, unknown>;
            } catch {
              parsed = { text };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  const stop = () => {
    stopped = true;
    for (const child of processes) {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready: /readyz answers 200 (in 5-15 s on a quiet machine; allow for a busy one).
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ok = await call("GET", "/readyz").then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || processes.some((p) => p.exitCode !== null)) {
      stop();
      throw new Error(`kube-apiserver did not become ready (logs were in ${dir})`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const apply = (object: Record<string, unknown>, options: { dryRun?: boolean } = {}) =>
    call(
      "PATCH",
      `${pathOf(object)}?fieldManager=cohort-tests&fieldValidation=Strict&force=true${options.dryRun === true ? "&dryRun=All" : ""}`,
      object,
      "application/apply-patch+yaml",
    );
  const crdFiles = [tools.gatewayCrdDir, tools.albCrdDir].flatMap((crdDir) =>
    readdirSync(crdDir)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => join(crdDir, f)),
  );
  for (const file of crdFiles) {
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
      const crd = doc.toJS() as Record<string, unknown> | null;
      if (crd === null) continue;
      const result = await apply(crd);
      if (result.status >= 300) {
        stop();
        throw new Error(`applying ${file}: ${result.status} ${JSON.stringify(result.body)}`);
      }
    }
  }
  // CRDs serve their kinds once Established; wait until HTTPRoutes and TargetGroupBindings
  // can be listed.
  for (;;) {
    const served = await Promise.all(
      [
        "/apis/gateway.networking.k8s.io/v1/httproutes",
        "/apis/elbv2.k8s.aws/v1beta1/targetgroupbindings",
      ].map((path) => call("GET", path)),
    );
    if (served.every((r) => r.status === 200)) break;
    if (Date.now() > deadline) {
      stop();
      throw new Error("the Gateway API and TargetGroupBinding CRDs were not served in time");
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const url = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = join(dir, "kubeconfig.yaml");
  writeFileSync(kubeconfig, kubeconfigText(url, join(dir, "ca.crt"), token));
  if (options.workloads === true) {
    startWorkloadControllers(tools, dir, kubeconfig, start);
    const node = await call("POST", "/api/v1/nodes", FAKE_NODE);
    if (node.status >= 300) {
      stop();
      throw new Error(`creating the fake node: ${node.status} ${JSON.stringify(node.body)}`);
    }
    // Ready once kwok has initialised the node and the default ServiceAccount exists (pods
    // cannot be created in a namespace before the controller manager has made it).
    for (;;) {
      const n = await call("GET", "/api/v1/nodes/kwok-node-0");
      const conditions = (
        (n.body.status ?? {}) as { conditions?: { type: string; status: string }[] }
      ).conditions;
      const sa = await call("GET", "/api/v1/namespaces/default/serviceaccounts/default");
      if (conditions?.some((c) => c.type === "Ready" && c.status === "True") && sa.status === 200)
        break;
      if (Date.now() > deadline || processes.some((p) => p.exitCode !== null)) {
        stop();
        throw new Error(`the fake node did not become Ready (logs were in ${dir})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return {
    url,
    token,
    caFile: join(dir, "ca.crt"),
    kubeconfig,
    call,
    apply,
    stop,
  };
}

/**
 * Starts kube-controller-manager (Deployments, ReplicaSets, EndpointSlices, ServiceAccounts),
 * kube-scheduler and kwok (node and pod status), all on `kubeconfig`.
 * @param tools the binaries and kwok's stage files.
 * @param dir the control plane's folder (certificates, keys).
 * @param kubeconfig the admin kubeconfig.
 * @param start starts and records one process (stopped with the control plane).
 */
function startWorkloadControllers(
  tools: ControlPlaneTools,
  dir: string,
  kubeconfig: string,
  start: (name: string, command: string, args: string[]) => void,
): void {
  start("kube-controller-manager", join(tools.binDir, "kube-controller-manager"), [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--leader-elect=false",
    // Node IPAM needs a cluster CIDR; kwok assigns pod IPs itself.
    "--controllers=*,-nodeipam",
    `--service-account-private-key-file=${join(dir, "sa.key")}`,
    `--root-ca-file=${join(dir, "ca.crt")}`,
    "--use-service-account-credentials=false",
    "--bind-address=127.0.0.1",
    "--secure-port=0",
  ]);
  start("kube-scheduler", join(tools.binDir, "kube-scheduler"), [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--leader-elect=false",
    "--bind-address=127.0.0.1",
    "--secure-port=0",
  ]);
  const stages = writeKwokStages(tools.kwokStagesDir, dir).map((f) => `--config=${f}`);
  start("kwok", join(tools.binDir, "kwok"), [
    `--kubeconfig=${kubeconfig}`,
    "--manage-all-nodes=false",
    "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
    // Away from the service range (10.0.0.0/24), so pod and Service IPs never collide.
    "--cidr=10.244.0.0/16",
    "--node-ip=127.0.0.1",
    ...stages,
  ]);
}
