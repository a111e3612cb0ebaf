import * as cloudflare from "@pulumi/cloudflare";
import { originRecord } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

const ACCOUNT = "fedcba9876543210fedcba9876543210";

export const violation: ViolationCase = {
  expected: { rule: "cloudflare-edge-stays-in-cohort", resource: "free-route-entry" },
  platform: "cloudflare",
  program: () => {
    originRecord("free");
    const pro = originRecord("pro");
    const routes = new cloudflare.WorkersKvNamespace("routes", {
      accountId: ACCOUNT,
      title: "routes",
    });
    // free's route entry (key and metadata) sends free's verified customers to pro's origin.
    new cloudflare.WorkersKv("free-route-entry", {
      accountId: ACCOUNT,
      namespaceId: routes.id,
      keyName: "cohort:free",
      value: pro.name.apply((host) =>
        JSON.stringify({ cohort: "free", origin: `https://${host}` }),
      ),
      metadata: JSON.stringify({ cohort: "free" }),
    });
  },
};
