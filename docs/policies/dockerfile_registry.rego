# METADATA
# title: Base image from an unapproved registry
# description: >-
#   Builds must start from images the company registry mirrors and scans; an image pulled
#   straight from a public registry skips that review.
# related_resources:
# - https://docs.docker.com/build/building/base-images/
# custom:
#   id: ACME-DF-001
#   severity: HIGH
#   recommended_actions: Use registry.acme.io/<image> (or a distroless image) as the base.
#   input:
#     selector:
#     - type: dockerfile
package user.dockerfile.acme_registry

import rego.v1

# Edit to taste: image references must start with one of these.
allowed_prefixes := ["registry.acme.io/", "gcr.io/distroless/"]

# `FROM build` names an earlier stage, not an image.
stage_names contains lower(cmd.Value[2]) if {
	some stage in input.Stages
	some cmd in stage.Commands
	cmd.Cmd == "from"
	count(cmd.Value) == 3
	lower(cmd.Value[1]) == "as"
}

deny contains res if {
	some stage in input.Stages
	some cmd in stage.Commands
	cmd.Cmd == "from"
	image := cmd.Value[0]
	image != "scratch"
	not lower(image) in stage_names
	not approved(image)
	msg := sprintf("FROM %s: not from an approved registry", [image])
	res := result.new(msg, cmd)
}

approved(image) if {
	some prefix in allowed_prefixes
	startswith(image, prefix)
}
