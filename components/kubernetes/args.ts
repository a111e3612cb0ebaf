export interface KubernetesArgs {
  clusterName: string;
}
