/** Every platform behind the seam, by the id an environment names in `platform`. */
import { awsPlatform } from "./aws/platform.js";
import { kubernetesPlatform } from "./kubernetes/platform.js";
import type { Platform } from "./platform.js";
import type { PlatformId } from "./spec.js";

export const PLATFORMS: Readonly<Record<PlatformId, Platform>> = {
  aws: awsPlatform,
  kubernetes: kubernetesPlatform,
};
