/**
 * The Kubernetes platform's arguments (`args.kubernetes`) and their schema. Plain values, so
 * they are validated before anything is created; every stack of an environment passes the same
 * gateway settings, so cohort stacks name the edge's Gateway without reading its outputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { imageRepositorySchema } from "../image.js";

/** A DNS-1123 label (namespaces, Gateway and Service names): at most 63 characters. */
const dnsLabel = z
  .string()
  .max(63, "must be at most 63 characters (a Kubernetes DNS label)")
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be lowercase letters, digits and '-'");

/** A DNS-1123 subdomain (StorageClass, Secret and GatewayClass names): at most 253 characters. */
const dnsSubdomain = z
  .string()
  .max(253, "must be at most 253 characters (a Kubernetes DNS subdomain)")
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    "must be lowercase letters, digits, '-' and '.'",
  );

const quantity = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, "must be a Kubernetes quantity");

const ipv4Cidr = z
  .string()
  .regex(
    /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/,
    "must be an IPv4 CIDR, e.g. 10.0.0.0/16",
  );

export const kubernetesSettingsSchema = z
  .object({
    /**
     * The cluster's name: the `ClusterName` dimension of the Container Insights metrics the
     * cohorts' alarms watch, and the EKS cluster of their pod identity associations.
     */
    clusterName: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, "must be an EKS cluster name"),
    /** Pod, service, node and VPC CIDRs: cohort egress to them is refused (NetworkPolicy). */
    clusterCidrs: z.array(ipv4Cidr).min(1, "list the cluster's pod, service and VPC CIDRs"),
    gateway: z
      .object({
        /** The shared Gateway's name. @default "public" */
        name: dnsLabel.default("public"),
        /** Its namespace, created by the edge stack. @default "gateway-system" */
        namespace: dnsLabel.default("gateway-system"),
        /** The GatewayClass of the installed Gateway controller. @default "default" */
        className: dnsSubdomain.default("default"),
        /** The listener cohorts attach to. @default "https" */
        listener: dnsLabel.default("https"),
        /** TLS certificate Secret in the gateway namespace; without one the listener is HTTP on port 80. */
        tlsSecretName: dnsSubdomain.optional(),
        /** Public host of header-matched cohorts' endpoints. @default "<gateway>.<namespace>" */
        host: z.string().min(1).max(253).optional(),
        /**
         * The Gateway's public address (its load balancer's IP or DNS name), where an edge in
         * front of the cluster (Cloudflare) reaches it; required with `cloudflare`.
         */
        address: z.string().min(1).max(253).optional(),
      })
      .strict()
      .default({
        name: "public",
        namespace: "gateway-system",
        className: "default",
        listener: "https",
      }),
    container: z
      .object({
        /** Image repository without tag or digest; the cohort's pinned version is appended. */
        image: imageRepositorySchema,
        /** Port the container listens on (not privileged: pods run as non-root). @default 8080 */
        port: z.number().int().min(1024).max(65535).default(8080),
        /** CPU request and limit per pod. @default "250m" */
        cpu: quantity.default("250m"),
        /** Memory request and limit per pod. @default "256Mi" */
        memory: quantity.default("256Mi"),
        /** Readiness and liveness probe path. @default "/" */
        healthCheckPath: z.string().startsWith("/").max(1024).default("/"),
        /**
         * How long an update waits for the new version's pods to become ready before it fails
         * (and the rollout reverts the cohort): the Deployment's `progressDeadlineSeconds` and
         * Pulumi's readiness await (`pulumi.com/timeoutSeconds`). @default 600
         */
        readyTimeoutSeconds: z.number().int().min(10).max(3600).default(600),
      })
      .strict()
      .default({
        image: "public.ecr.aws/nginx/nginx",
        port: 8080,
        cpu: "250m",
        memory: "256Mi",
        healthCheckPath: "/",
        readyTimeoutSeconds: 600,
      }),
    /**
     * Cohorts that run as a StatefulSet with a volume, by name, each with a StorageClass of its
     * own (e.g. an EBS CSI class with the cohort's own `kmsKeyId`), which no other cohort names.
     */
    volumes: z
      .record(
        z.string(),
        z
          .object({
            storageClassName: dnsSubdomain,
            /** @default "1Gi" */
            size: quantity.default("1Gi"),
          })
          .strict(),
      )
      .default({}),
    /**
     * `aws`: each cohort gets its own DynamoDB table (and S3 bucket when `storage.bucket`) and KMS
     * key, reached through an EKS Pod Identity role that lists only its ARNs. @default "none"
     */
    cloudStorage: z.enum(["none", "aws"]).default("none"),
    /**
     * An existing shared AWS Application Load Balancer in front of the cohorts (opt-in). Each
     * cohort then gets its own IP target group (named like the AWS platform's), a rule on this
     * listener matching its hosts and/or header at its priority, a TargetGroupBinding in its
     * namespace registering its own Service's pods there (AWS Load Balancer Controller), an
     * allow-list entry admitting the load balancer's subnets to its pods' port, and the AWS
     * platform's four ALB alarms joined into its composite. Plain values, like `gateway`, so
     * cohort stacks need no stack reference (an AWS edge stack exports exactly these ids).
     */
    loadBalancer: z
      .object({
        /** The shared ALB's listener (HTTPS), whose default action must answer no cohort. */
        listenerArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:listener\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+\/[0-9a-f]+$/,
            "must be an Application Load Balancer listener ARN (…:listener/app/<name>/<id>/<id>)",
          ),
        /** The ALB's ARN suffix (`app/<name>/<id>`): the `LoadBalancer` alarm dimension. */
        loadBalancerArnSuffix: z
          .string()
          .regex(
            /^app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+$/,
            "must be an ALB ARN suffix, app/<name>/<id>",
          ),
        /** The cluster's VPC: the target groups' and the TargetGroupBindings' `vpcID`. */
        vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id, vpc-<hex>"),
        /**
         * The ALB's security group: each TargetGroupBinding asks the controller to admit it to
         * the pods' port (`spec.networking`). Without it, open the pods' security group yourself.
         */
        securityGroupId: z
          .string()
          .regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id, sg-<hex>")
          .optional(),
        /**
         * The ALB's subnets' CIDRs: the only sources the cohorts' NetworkPolicies admit to their
         * pods' port besides the gateway. Subnets that hold no pods, or another cohort's pods in
         * them would be admitted too.
         */
        sourceCidrs: z.array(ipv4Cidr).min(1, "list the load balancer's subnet CIDRs"),
      })
      .strict()
      .optional(),
    /**
     * Who creates the cohorts' CloudWatch alarms. `component`: this component, on Container
     * Insights metrics (alarms.ts). `external`: someone else (an existing monitoring stack, or a
     * local emulator when the AWS provider is unavailable); the component creates no alarm and
     * exports, exactly as with `component`, the names the rollout gates on:
     * `cohort-<env>-<cohort>-running-pods`, `-restarts` (with `loadBalancer`, also the ALB
     * alarms `-error-rate`, `-latency-p99`, `-unhealthy-hosts`, `-no-healthy-hosts`) and the
     * composite `-health`. Those
     * alarms must exist before the first rollout: the rollout refuses a cohort whose alarms it
     * cannot read. The policy pack's `cohort-health-alarm` sees no alarm in such a stack and says
     * so: set that rule `advisory` (or exempt the workloads) where alarms live elsewhere.
     * @default "component"
     */
    alarms: z.enum(["component", "external"]).default("component"),
  })
  .strict();

export type KubernetesSettings = z.infer<typeof kubernetesSettingsSchema>;

/** `args.kubernetes`, as a user writes it. */
export type KubernetesArgs = z.input<typeof kubernetesSettingsSchema> & {
  /** The Kubernetes provider every object is created with. @default the stack's default provider */
  provider?: pulumi.ProviderResource;
};
