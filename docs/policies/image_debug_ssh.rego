# METADATA
# title: Debug build or SSH port in an image
# description: >-
#   Images built with DEBUG=1 enable debug endpoints and verbose errors; an exposed port 22
#   means an SSH daemon is expected in the container, which should be reached with
#   `kubectl exec` / `docker exec` instead.
# custom:
#   id: ACME-IMG-001
#   severity: HIGH
#   recommended_actions: Build release images without DEBUG=1 and without sshd / EXPOSE 22.
#   input:
#     selector:
#     - type: image-config
package user.image.acme_debug_ssh

import rego.v1

deny contains msg if {
	some env in input.config.Env
	env == "DEBUG=1"
	msg := "image environment sets DEBUG=1"
}

deny contains msg if {
	some port, _ in input.config.ExposedPorts
	startswith(port, "22/")
	msg := sprintf("image exposes the SSH port %s", [port])
}
