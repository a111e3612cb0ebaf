import type { Policies } from "@pulumi/policy";
import { cloudflareEdgeStaysInCohort } from "./rules/cloudflare-edge-stays-in-cohort.js";
import { cohortHealthAlarm } from "./rules/cohort-health-alarm.js";
import { computeStaysInCohort } from "./rules/compute-stays-in-cohort.js";
import { iamGrantSingleCohort } from "./rules/iam-grant-single-cohort.js";
import { k8sDefaultDeny } from "./rules/k8s-default-deny.js";
import { k8sNoCrossCohortReferenceGrant } from "./rules/k8s-no-cross-cohort-reference-grant.js";
import { k8sNoCrossNamespacePvcSource } from "./rules/k8s-no-cross-namespace-pvc-source.js";
import { k8sNoHostPath } from "./rules/k8s-no-host-path.js";
import { k8sQuotaForbidsExternalServices } from "./rules/k8s-quota-forbids-external-services.js";
import { routesStayInCohort } from "./rules/routes-stay-in-cohort.js";
import { storageCohortMarker } from "./rules/storage-cohort-marker.js";

export const PACK_NAME = "shared-nothing";
export const PACK_DESCRIPTION =
  "Cohorts share no storage, no identity and no routes; every cohort has a health alarm on its own metrics.";

/**
 * Every rule of the pack, in one list. Kept apart from index.ts so tests can run the rules
 * in-process: constructing the PolicyPack starts a gRPC server and may exit the process.
 */
export const policies: Policies = [
  storageCohortMarker,
  iamGrantSingleCohort,
  computeStaysInCohort,
  routesStayInCohort,
  cloudflareEdgeStaysInCohort,
  k8sDefaultDeny,
  k8sNoHostPath,
  k8sNoCrossNamespacePvcSource,
  k8sNoCrossCohortReferenceGrant,
  k8sQuotaForbidsExternalServices,
  cohortHealthAlarm,
];
