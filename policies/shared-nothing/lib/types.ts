/**
 * Exact type tokens the rules look at. The policy runtime matches types by exact token and does
 * not follow aliases, so every resource with two spellings is listed under both.
 */
export const T = {
  table: "aws:dynamodb/table:Table",
  dynamoResourcePolicy: "aws:dynamodb/resourcePolicy:ResourcePolicy",
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketSse:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  bucketSseV2:
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  kmsKey: "aws:kms/key:Key",
  kmsKeyPolicy: "aws:kms/keyPolicy:KeyPolicy",
  rdsInstance: "aws:rds/instance:Instance",
  rdsCluster: "aws:rds/cluster:Cluster",
  rdsClusterInstance: "aws:rds/clusterInstance:ClusterInstance",
  efs: "aws:efs/fileSystem:FileSystem",
  cacheCluster: "aws:elasticache/cluster:Cluster",
  cacheReplicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  cacheServerless: "aws:elasticache/serverlessCache:ServerlessCache",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  iamPolicy: "aws:iam/policy:Policy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  rolePolicyAttachmentsExclusive:
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
  policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  ecsService: "aws:ecs/service:Service",
  lambda: "aws:lambda/function:Function",
  podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  compositeAlarm: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
  k8sNamespace: "kubernetes:core/v1:Namespace",
  k8sPvc: "kubernetes:core/v1:PersistentVolumeClaim",
  k8sPv: "kubernetes:core/v1:PersistentVolume",
  k8sService: "kubernetes:core/v1:Service",
  k8sServiceAccount: "kubernetes:core/v1:ServiceAccount",
  k8sQuota: "kubernetes:core/v1:ResourceQuota",
  k8sNetworkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  k8sStatefulSet: "kubernetes:apps/v1:StatefulSet",
  cfRuleset: "cloudflare:index/ruleset:Ruleset",
  cfLoadBalancer: "cloudflare:index/loadBalancer:LoadBalancer",
  cfLoadBalancerPool: "cloudflare:index/loadBalancerPool:LoadBalancerPool",
} as const;

/** ALB resources exist as `aws:lb/*` and the older alias `aws:alb/*`. */
export const LISTENER_RULE_TYPES = [
  "aws:lb/listenerRule:ListenerRule",
  "aws:alb/listenerRule:ListenerRule",
];
export const LISTENER_TYPES = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
export const LOAD_BALANCER_TYPES = [
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:alb/loadBalancer:LoadBalancer",
];
export const TARGET_GROUP_TYPES = [
  "aws:lb/targetGroup:TargetGroup",
  "aws:alb/targetGroup:TargetGroup",
];

export const BUCKET_TYPES: readonly string[] = [T.bucket, T.bucketV2];

/** Every storage resource that must carry exactly one cohort marker. */
export const STORAGE_TYPES: readonly string[] = [
  T.table,
  T.bucket,
  T.bucketV2,
  T.kmsKey,
  T.rdsInstance,
  T.rdsCluster,
  T.rdsClusterInstance,
  T.efs,
  T.cacheCluster,
  T.cacheReplicationGroup,
  T.cacheServerless,
  T.k8sPvc,
  T.k8sStatefulSet,
];

/** Kubernetes kinds that carry a pod template (or are a pod). */
export const K8S_WORKLOAD_TYPES: readonly string[] = [
  "kubernetes:core/v1:Pod",
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:apps/v1:ReplicaSet",
  "kubernetes:batch/v1:Job",
  "kubernetes:batch/v1:CronJob",
];

export const HTTP_ROUTE_TYPES: readonly string[] = [
  "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  "kubernetes:gateway.networking.k8s.io/v1beta1:HTTPRoute",
];

/** The AWS Load Balancer Controller's binding of a Service to an existing target group. */
export const TARGET_GROUP_BINDING_TYPES: readonly string[] = [
  "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding",
  "kubernetes:elbv2.k8s.aws/v1alpha1:TargetGroupBinding",
];

export const REFERENCE_GRANT_TYPES: readonly string[] = [
  "kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant",
  "kubernetes:gateway.networking.k8s.io/v1alpha2:ReferenceGrant",
  "kubernetes:gateway.networking.k8s.io/v1:ReferenceGrant",
];

export const DNS_RECORD_TYPES: readonly string[] = [
  "cloudflare:index/dnsRecord:DnsRecord",
  "cloudflare:index/record:Record",
];

/** Compute that runs a cohort's code. A cohort that owns one must have a health alarm. */
export const COMPUTE_TYPES: readonly string[] = [T.ecsService, T.lambda, ...K8S_WORKLOAD_TYPES];

export const ALARM_TYPES: readonly string[] = [T.metricAlarm, T.compositeAlarm];
