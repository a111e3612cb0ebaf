/**
 * AWS-only settings: the container as Fargate runs it (cpu/memory pairs Fargate
 * accepts) and the shared ALB's quotas. The neutral spec (../spec.ts) knows none of this.
 */
import { z } from "zod";
import { imageRepositorySchema } from "../image.js";

/** ALB quotas (rules per ALB and target groups per ALB, excluding defaults). */
export const SHARED_ALB_RULE_QUOTA = 100;
export const SHARED_ALB_TARGET_GROUP_QUOTA = 100;

/** Fargate memory sizes (MiB) each cpu size accepts: [min, max, step], or a list. */
const FARGATE_MEMORY: Record<string, readonly [number, number, number] | readonly number[]> = {
  "256": [512, 1024, 2048],
  "512": [1024, 4096, 1024],
  "1024": [2048, 8192, 1024],
  "2048": [4096, 16384, 1024],
  "4096": [8192, 30720, 1024],
  "8192": [16384, 61440, 4096],
  "16384": [32768, 122880, 8192],
};

function fargateMemoryOk(cpu: string, memory: number): boolean {
  const sizes = FARGATE_MEMORY[cpu];
  if (sizes === undefined) return true; // the cpu enum reports it
  if (cpu === "256") return sizes.includes(memory);
  const [min = 0, max = 0, step = 1] = sizes;
  return memory >= min && memory <= max && (memory - min) % step === 0;
}

/** The memory sizes Fargate accepts with `cpu`, as a hint. */
export function fargateMemoryHint(cpu: string): string {
  const sizes = FARGATE_MEMORY[cpu];
  if (sizes === undefined) return "MiB, valid for the chosen Fargate cpu";
  if (cpu === "256") return "with cpu 256: 512, 1024 or 2048";
  return `with cpu ${cpu}: ${sizes[0]} to ${sizes[1]} in steps of ${sizes[2]}`;
}

/** Container settings shared by every cohort (the version comes from each cohort's pin). */
export const containerSpecSchema = z
  .object({
    /** Image repository without tag or digest; the cohort's pinned version becomes the tag (or digest). */
    image: imageRepositorySchema,
    /** Port the container listens on. @default 80 */
    port: z.number().int().min(1).max(65535).default(80),
    /** Fargate CPU units. @default "256" */
    cpu: z.enum(["256", "512", "1024", "2048", "4096", "8192", "16384"]).default("256"),
    /** Fargate memory, MiB. @default "512" */
    memory: z
      .string()
      .regex(/^[0-9]+$/)
      .default("512"),
    /** Target group health check path. @default "/" */
    healthCheckPath: z.string().startsWith("/").max(1024).default("/"),
    /** ECR repository ARN to grant pulls on (omit for public images). */
    repositoryArn: z.string().startsWith("arn:").optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!fargateMemoryOk(c.cpu, Number(c.memory))) {
      ctx.addIssue({
        code: "custom",
        path: ["memory"],
        message: `Fargate does not run ${c.memory} MiB with cpu ${c.cpu}`,
      });
    }
  });
export type ContainerSpec = z.infer<typeof containerSpecSchema>;
export type ContainerSpecInput = z.input<typeof containerSpecSchema>;
