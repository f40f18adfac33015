# METADATA
# title: Container without a memory limit
# description: >-
#   A container without resources.limits.memory can use all of the node's memory and get other
#   workloads killed by the OOM killer.
# related_resources:
# - https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
# custom:
#   id: ACME-K8S-001
#   severity: MEDIUM
#   recommended_actions: Set resources.limits.memory on every container and init container.
#   input:
#     selector:
#     - type: kubernetes
package user.kubernetes.acme_memory_limits

import rego.v1

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}

pod_spec := input.spec if input.kind == "Pod"

pod_spec := input.spec.template.spec if input.kind in workload_kinds

pod_spec := input.spec.jobTemplate.spec.template.spec if input.kind == "CronJob"

containers contains c if some c in pod_spec.containers

containers contains c if some c in pod_spec.initContainers

deny contains res if {
	some c in containers
	not c.resources.limits.memory
	msg := sprintf("%s %s: container %s has no memory limit", [input.kind, input.metadata.name, c.name])
	# Each container mapping carries __defsec_metadata, so the finding points at its line.
	res := result.new(msg, c)
}
