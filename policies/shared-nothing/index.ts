import { PolicyPack } from "@pulumi/policy";
import { PACK_DESCRIPTION, PACK_NAME, policies } from "./policies.js";

// The only place the pack is constructed: `new PolicyPack` starts the analyzer gRPC server the
// Pulumi CLI talks to (and exits the process on some errors). Tests import ./policies.js instead.
new PolicyPack(PACK_NAME, {
  displayName: "Shared-nothing cohorts",
  description: PACK_DESCRIPTION,
  enforcementLevel: "mandatory",
  policies,
});
