/**
 * A container image repository as the component takes it (on every platform that runs
 * containers): no tag or digest, since the cohort's pinned version becomes the tag (or digest).
 */
import { z } from "zod";

export const imageRepositorySchema = z
  .string()
  .min(1)
  .refine(
    (image) => !/[:@]/.test(image.slice(image.lastIndexOf("/") + 1)),
    "must be a repository without a tag or digest: the pin's version is appended",
  )
  .default("public.ecr.aws/nginx/nginx");
