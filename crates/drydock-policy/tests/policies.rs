//! Real-looking custom checks, each with an input it fails and one it passes, plus the ways a
//! policy set goes wrong (syntax errors, recursion, runaway loops) and Trivy-written checks.
#![allow(clippy::unwrap_used)]

use drydock_finding::{Finding, Severity};
use drydock_policy::{Document, Limits, PolicyError, PolicySet, Source, documents, image_config};
use serde_json::json;
use std::time::{Duration, Instant};

const REGISTRY: &str = r#"# METADATA
# title: Base image from an unapproved registry
# description: Builds must start from images our registry mirrors and scans.
# related_resources:
# - https://wiki.example.com/registry
# custom:
#   id: ACME-DF-001
#   severity: HIGH
#   recommended_actions: Use registry.acme.io/library/<image> instead.
#   input:
#     selector:
#     - type: dockerfile
package user.dockerfile.acme_registry

import rego.v1

allowed := ["registry.acme.io/", "gcr.io/distroless/"]

stage_names contains lower(name) if {
	some stage in input.Stages
	some cmd in stage.Commands
	cmd.Cmd == "from"
	count(cmd.Value) == 3
	lower(cmd.Value[1]) == "as"
	name := cmd.Value[2]
}

deny contains res if {
	some stage in input.Stages
	some cmd in stage.Commands
	cmd.Cmd == "from"
	image := cmd.Value[0]
	image != "scratch"
	not lower(image) in stage_names
	not approved(image)
	res := result.new(sprintf("FROM %s: not from an approved registry", [image]), cmd)
}

approved(image) if {
	some prefix in allowed
	startswith(image, prefix)
}
"#;

const MEMORY_LIMITS: &str = r#"package user.kubernetes.ACME002

import data.lib.result

__rego_metadata__ := {
	"id": "ACME-K8S-002",
	"title": "Container without a memory limit",
	"severity": "MEDIUM",
	"description": "Without a memory limit one container can starve the node.",
	"recommended_actions": "Set resources.limits.memory on every container.",
	"url": "https://wiki.example.com/limits",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

workloads := {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}

pod_spec = input.spec {
	input.kind == "Pod"
}

pod_spec = input.spec.template.spec {
	workloads[input.kind]
}

pod_spec = input.spec.jobTemplate.spec.template.spec {
	input.kind == "CronJob"
}

deny[res] {
	container := pod_spec.containers[_]
	not container.resources.limits.memory
	msg := sprintf("%s %s: container %s has no memory limit", [input.kind, input.metadata.name, container.name])
	res := result.new(msg, container)
}
"#;

const COMPOSE: &str = r#"# METADATA
# title: Privileged Compose service
# custom:
#   id: ACME-COMPOSE-001
#   severity: CRITICAL
#   input:
#     selector:
#     - type: compose
package user.compose.privileged

import rego.v1

deny contains res if {
	some name, svc in input.services
	svc.privileged == true
	res := result.new(sprintf("service %s runs privileged", [name]), svc)
}

warn contains msg if {
	some name, svc in input.services
	svc.network_mode == "host"
	msg := sprintf("service %s shares the host network", [name])
}
"#;

const IMAGE: &str = r#"# METADATA
# title: Debug image or SSH port
# custom:
#   id: ACME-IMG-001
#   severity: HIGH
#   input:
#     selector:
#     - type: image-config
package user.image.debug

import rego.v1

deny contains msg if {
	some env in input.config.Env
	env == "DEBUG=1"
	msg := "image is built with DEBUG=1 in its environment"
}

deny contains msg if {
	some port, _ in input.config.ExposedPorts
	startswith(port, "22/")
	msg := sprintf("image exposes the SSH port (%s)", [port])
}
"#;

fn src(path: &str, text: &str) -> Source {
    Source {
        path: path.to_owned(),
        text: text.to_owned(),
    }
}

fn load(sources: &[(&str, &str)]) -> (PolicySet, Vec<PolicyError>) {
    PolicySet::compile(
        sources.iter().map(|(p, t)| src(p, t)).collect(),
        Limits::default(),
    )
}

fn docs(path: &str, text: &str) -> Vec<Document> {
    documents(path, text.as_bytes()).unwrap()
}

fn run(set: &PolicySet, docs: &[Document]) -> Vec<Finding> {
    let out = set.evaluate(docs);
    assert!(out.notes.is_empty(), "unexpected notes: {:?}", out.notes);
    out.findings
}

#[test]
fn dockerfile_registry_policy_with_lines() {
    let (set, errors) = load(&[("policies/registry.rego", REGISTRY)]);
    assert!(errors.is_empty(), "{errors:?}");
    let failing = "FROM docker.io/library/golang:1.22 AS build\nRUN go build -o /app .\n\nFROM build AS test\nRUN go test ./...\n\nFROM ubuntu:24.04\nCOPY --from=build /app /app\n";
    let f = run(&set, &docs("svc/Dockerfile", failing));
    assert_eq!(f.len(), 2, "{f:#?}");
    assert_eq!(f[0].id, "ACME-DF-001");
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].title, "Base image from an unapproved registry");
    assert_eq!(
        f[0].fix.as_deref(),
        Some("Use registry.acme.io/library/<image> instead.")
    );
    assert_eq!(f[0].references, vec!["https://wiki.example.com/registry"]);
    let mut lines: Vec<_> = f.iter().map(|x| x.location.line).collect();
    lines.sort();
    assert_eq!(lines, vec![Some(1), Some(7)]);
    assert!(
        f.iter()
            .all(|x| x.location.path.as_deref() == Some("svc/Dockerfile"))
    );
    assert!(
        f.iter()
            .any(|x| x.message == "FROM ubuntu:24.04: not from an approved registry")
    );

    let passing = "FROM registry.acme.io/library/golang:1.22 AS build\nRUN go build\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\n";
    assert!(run(&set, &docs("Dockerfile", passing)).is_empty());
    // The selector keeps it off other documents.
    assert!(
        run(
            &set,
            &docs("k.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")
        )
        .is_empty()
    );
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.acme.io/web:1
          resources:
            limits:
              memory: 256Mi
        - name: sidecar
          image: registry.acme.io/proxy:2
          resources:
            requests:
              cpu: 10m
";

#[test]
fn kubernetes_memory_limit_policy_old_style_metadata() {
    let (set, errors) = load(&[("p/limits.rego", MEMORY_LIMITS)]);
    assert!(errors.is_empty(), "{errors:?}");
    let f = run(&set, &docs("deploy/web.yaml", DEPLOYMENT));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].id, "ACME-K8S-002");
    assert_eq!(f[0].severity, Severity::Medium);
    assert_eq!(
        f[0].message,
        "Deployment web: container sidecar has no memory limit"
    );
    assert_eq!(f[0].location.line, Some(14), "the sidecar's list item");
    assert_eq!(f[0].references, vec!["https://wiki.example.com/limits"]);

    let passing = DEPLOYMENT.replace(
        "requests:\n              cpu: 10m",
        "limits:\n              memory: 64Mi",
    );
    assert!(run(&set, &docs("deploy/web.yaml", &passing)).is_empty());
}

#[test]
fn compose_policy_deny_and_warn() {
    let (set, errors) = load(&[("compose.rego", COMPOSE)]);
    assert!(errors.is_empty(), "{errors:?}");
    let failing = "services:\n  web:\n    image: nginx\n  agent:\n    image: acme/agent\n    privileged: true\n    network_mode: host\n";
    let f = run(&set, &docs("docker-compose.yml", failing));
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(
        f.iter().all(|x| x.severity == Severity::Critical),
        "warn takes the check's severity"
    );
    let privileged = f
        .iter()
        .find(|x| x.message == "service agent runs privileged")
        .unwrap();
    assert_eq!(privileged.location.line, Some(4), "the service's key");
    let host = f
        .iter()
        .find(|x| x.message == "service agent shares the host network")
        .unwrap();
    assert_eq!(
        host.location.line,
        Some(1),
        "a plain string: the document's line"
    );
    let passing = "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n";
    assert!(run(&set, &docs("compose.yaml", passing)).is_empty());
}

#[test]
fn image_config_policy() {
    let (set, errors) = load(&[("image.rego", IMAGE)]);
    assert!(errors.is_empty(), "{errors:?}");
    let bad = image_config(json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/bin", "DEBUG=1"], "ExposedPorts": {"22/tcp": {}, "80/tcp": {}}},
        "history": [{"created_by": "/bin/sh -c #(nop) EXPOSE 22"}]
    }));
    let f = run(&set, &[bad]);
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(
        f.iter()
            .all(|x| x.id == "ACME-IMG-001" && x.location.path.as_deref() == Some("config"))
    );
    assert!(
        f.iter()
            .any(|x| x.message == "image exposes the SSH port (22/tcp)")
    );
    let good = image_config(json!({
        "config": {"Env": ["PATH=/usr/bin", "DEBUG=0"], "ExposedPorts": {"8080/tcp": {}}}
    }));
    assert!(run(&set, &[good]).is_empty());
}

#[test]
fn syntax_error_names_file_and_line_and_the_rest_still_run() {
    let broken =
        "package user.broken\n\nimport rego.v1\n\ndeny contains msg if {\n\tinput.kind ==\n}\n";
    let (set, errors) = load(&[
        ("policies/broken.rego", broken),
        ("policies/limits.rego", MEMORY_LIMITS),
    ]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path(), "policies/broken.rego");
    assert!(matches!(errors[0].line(), Some(6 | 7)), "{errors:?}");
    assert!(errors[0].to_string().starts_with("policies/broken.rego:"));
    assert_eq!(set.checks().len(), 1);
    assert_eq!(run(&set, &docs("web.yaml", DEPLOYMENT)).len(), 1);
}

#[test]
fn analysis_errors_drop_only_their_file() {
    // Parses, but `p` is never bound: regorus's analysis refuses it for the whole engine.
    let unsafe_var = "package user.unsafe\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := sprintf(\"%v\", [p])\n}\n";
    let (set, errors) = load(&[("u.rego", unsafe_var), ("c.rego", COMPOSE)]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path(), "u.rego");
    assert_eq!(errors[0].line(), Some(6));
    assert_eq!(set.checks().len(), 1);
}

#[test]
fn recursive_function_is_refused_at_load() {
    // regorus would recurse on the native stack until the process aborted.
    let rec = "package user.rec\n\nimport rego.v1\n\ncount_down(n) := x if {\n\tx := count_down(n - 1)\n}\n\ndeny contains msg if {\n\tcount_down(3)\n\tmsg := \"never\"\n}\n";
    let mutual = "package lib.pingpong\n\nping(n) := pong(n)\n\npong(n) := ping(n)\n";
    let user = "package user.usesping\n\nimport data.lib.pingpong\n\ndeny contains \"x\" if pingpong.ping(1)\n";
    let (set, errors) = load(&[
        ("rec.rego", rec),
        ("pingpong.rego", mutual),
        ("uses.rego", user),
        ("image.rego", IMAGE),
    ]);
    let paths: Vec<_> = errors.iter().map(|e| (e.path(), e.line())).collect();
    assert!(paths.contains(&("rec.rego", Some(5))), "{errors:?}");
    assert!(paths.contains(&("pingpong.rego", Some(3))), "{errors:?}");
    assert!(errors[0].to_string().contains("calls itself"));
    // The user of the broken library cannot run either (its function is gone), and says so.
    assert!(paths.iter().any(|(p, _)| *p == "uses.rego"), "{errors:?}");
    let ids: Vec<_> = set.checks().iter().map(|c| c.id()).collect();
    assert_eq!(ids, vec!["ACME-IMG-001"]);
}

#[test]
fn recursive_rules_fail_cleanly_at_evaluation() {
    let rules = "package user.cycle\n\nimport rego.v1\n\na if b\n\nb if a\n\ndeny contains \"cyclic\" if a\n";
    let (set, errors) = load(&[("cycle.rego", rules), ("image.rego", IMAGE)]);
    assert!(errors.is_empty(), "{errors:?}");
    let doc = image_config(json!({"config": {"Env": ["DEBUG=1"]}}));
    let out = set.evaluate(&[doc]);
    assert_eq!(out.findings.len(), 1, "the other check still reports");
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    assert!(out.notes[0].contains("user.cycle"), "{:?}", out.notes);
    assert!(out.notes[0].contains("recursion"), "{:?}", out.notes);
    assert!(out.notes[0].contains("failed on config"), "{:?}", out.notes);
}

#[test]
fn runaway_loop_times_out_and_is_disabled_after_repeated_failures() {
    let slow = "package user.slow\n\nimport rego.v1\n\ndeny contains \"never\" if {\n\txs := numbers.range(1, 2000)\n\tpairs := [x | some a in xs; some b in xs; x := a * b]\n\tcount(pairs) < 0\n}\n";
    let limits = Limits {
        eval_timeout: Duration::from_millis(100),
        ..Limits::default()
    };
    let (set, errors) = PolicySet::compile(
        vec![src("slow.rego", slow), src("image.rego", IMAGE)],
        limits,
    );
    assert!(errors.is_empty(), "{errors:?}");
    let docs: Vec<Document> = (0..6)
        .map(|_| image_config(json!({"config": {"Env": ["DEBUG=1"]}})))
        .collect();
    let t = Instant::now();
    let out = set.evaluate(&docs);
    let spent = t.elapsed();
    // One finding per document from the healthy check (identical ones are kept once).
    assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
    let timeouts = out
        .notes
        .iter()
        .filter(|n| n.contains("time limit"))
        .count();
    assert_eq!(timeouts, 3, "{:?}", out.notes);
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("not run on the remaining inputs"))
    );
    assert!(spent < Duration::from_secs(5), "{spent:?}");
}

#[test]
fn results_are_capped() {
    let many = "package user.many\n\nimport rego.v1\n\ndeny contains msg if {\n\tsome i in numbers.range(1, 50)\n\tmsg := sprintf(\"result %d\", [i])\n}\n";
    let limits = Limits {
        max_results_per_eval: 10,
        ..Limits::default()
    };
    let (set, _) = PolicySet::compile(vec![src("many.rego", many)], limits);
    let out = set.evaluate(&docs("Dockerfile", "FROM a\n"));
    assert_eq!(out.findings.len(), 10);
    assert!(
        out.notes[0].contains("only the first 10"),
        "{:?}",
        out.notes
    );
}

/// Written the way Trivy's documentation shows custom checks (0.x syntax, `__rego_*__` rules,
/// `lib.result`), and the newer annotation style with the `result.new` built-in — unchanged.
#[test]
fn trivy_written_checks_run_unchanged() {
    let trivy_old = r#"package user.kubernetes.ID001

import data.lib.result

__rego_metadata__ := {
    "id": "ID001",
    "title": "Deployment not allowed",
    "severity": "LOW",
    "description": "Deployments are not allowed because of some reasons.",
}

__rego_input__ := {
    "selector": [
        {"type": "kubernetes"},
    ],
}

deny[res] {
    input.kind == "Deployment"
    msg := sprintf("Found deployment '%s' but deployments are not allowed", [input.metadata.name])
    res := result.new(msg, input)
}
"#;
    let trivy_new = r#"# METADATA
# title: Latest tag
# description: Pin base images.
# schemas:
#   - input: schema["dockerfile"]
# custom:
#   id: ID002
#   avd_id: AVD-USR-0002
#   severity: MEDIUM
#   short_code: no-latest
#   recommended_actions: Pin a version.
#   input:
#     selector:
#     - type: dockerfile
package user.dockerfile.ID002

import rego.v1

get_image contains output if {
	some stage in input.Stages
	some cmd in stage.Commands
	cmd.Cmd == "from"
	output := {"cmd": cmd, "image": cmd.Value[0]}
}

deny contains res if {
	some output in get_image
	endswith(output.image, ":latest")
	msg := sprintf("Specify a tag in the 'FROM' statement for image '%s'", [output.image])
	res := result.new(msg, output.cmd)
}
"#;
    // Trivy's docs also show `deny[msg]` with a plain string and the RBAC selector.
    let trivy_rbac = r#"package user.rbac.ID003

__rego_metadata__ := {"id": "ID003", "title": "Wildcard verbs", "severity": "CRITICAL"}
__rego_input__ := {"selector": [{"type": "rbac"}]}

deny[msg] {
    rule := input.rules[_]
    rule.verbs[_] == "*"
    msg := sprintf("%s '%s' grants every verb", [input.kind, input.metadata.name])
}
"#;
    let (set, errors) = load(&[
        ("trivy/id001.rego", trivy_old),
        ("trivy/id002.rego", trivy_new),
        ("trivy/id003.rego", trivy_rbac),
    ]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut all = docs("deploy.yaml", DEPLOYMENT);
    all.extend(docs(
        "rbac.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: god\nrules:\n  - apiGroups: [\"*\"]\n    resources: [\"*\"]\n    verbs: [\"*\"]\n",
    ));
    all.extend(docs("Dockerfile", "FROM alpine:3.20\nFROM nginx:latest\n"));
    let f = run(&set, &all);
    let got: Vec<_> = f
        .iter()
        .map(|x| {
            (
                x.id.as_str(),
                x.severity,
                x.location.path.as_deref().unwrap_or(""),
                x.location.line,
            )
        })
        .collect();
    assert!(
        got.contains(&("ID001", Severity::Low, "deploy.yaml", Some(1))),
        "{got:?}"
    );
    assert!(
        got.contains(&("ID002", Severity::Medium, "Dockerfile", Some(2))),
        "{got:?}"
    );
    assert!(
        got.contains(&("ID003", Severity::Critical, "rbac.yaml", Some(1))),
        "{got:?}"
    );
    assert_eq!(f.len(), 3, "{f:#?}");
    let id001 = f.iter().find(|x| x.id == "ID001").unwrap();
    assert_eq!(
        id001.message,
        "Found deployment 'web' but deployments are not allowed"
    );
    assert_eq!(id001.title, "Deployment not allowed");
}

#[test]
fn check_without_metadata_sees_every_document() {
    let bare = "package main\n\ndeny[msg] {\n  input.kind == \"Pod\"\n  msg := \"pods are not deployed directly\"\n}\n\nviolation[{\"msg\": \"daemon without live-restore\", \"startline\": 1}] {\n  input[\"live-restore\"] != true\n}\n";
    let (set, errors) = load(&[("conftest.rego", bare)]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut all = docs(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
    );
    all.extend(docs("etc/docker/daemon.json", "{\"live-restore\": false}"));
    let f = run(&set, &all);
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(
        f.iter()
            .all(|x| x.id == "main" && x.severity == Severity::Medium)
    );
}

#[test]
fn policy_dirs_are_read_with_caps() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("k8s/.git")).unwrap();
    std::fs::write(root.join("k8s/limits.rego"), MEMORY_LIMITS).unwrap();
    std::fs::write(
        root.join("k8s/limits_test.rego"),
        "package x\ntest_a { true }\n",
    )
    .unwrap();
    std::fs::write(root.join("k8s/.git/hidden.rego"), "package hidden\n").unwrap();
    std::fs::write(root.join("compose.rego"), COMPOSE).unwrap();
    std::fs::write(root.join("README.md"), "not a policy").unwrap();
    std::fs::write(root.join("huge.rego"), "#".repeat(2 << 20)).unwrap();
    let (sources, errors) =
        drydock_policy::read_paths(&[root.to_path_buf()], &Limits::default()).unwrap();
    let names: Vec<_> = sources
        .iter()
        .map(|s| {
            s.path
                .strip_prefix(&root.display().to_string())
                .unwrap_or(&s.path)
                .to_owned()
        })
        .collect();
    assert_eq!(names, vec!["/compose.rego", "/k8s/limits.rego"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].path().ends_with("huge.rego"));

    let limits = Limits {
        max_files: 1,
        ..Limits::default()
    };
    let (sources, errors) = drydock_policy::read_paths(&[root.to_path_buf()], &limits).unwrap();
    assert_eq!(sources.len(), 1);
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("more than 1 policy files"))
    );
    assert!(drydock_policy::read_paths(&[root.join("nope")], &limits).is_err());
}

#[test]
fn unknown_functions_are_reported_at_load() {
    // A typo, and a built-in drydock's engine does not compile in (time.*).
    let typo = "package user.typo\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := sprint(\"%v\", [input.kind])\n}\n";
    let time = "package user.time\n\nimport rego.v1\n\ndeny contains \"old\" if {\n\ttime.now_ns() > 0\n}\n";
    let (set, errors) = load(&[
        ("typo.rego", typo),
        ("time.rego", time),
        ("c.rego", COMPOSE),
    ]);
    let got: Vec<_> = errors.iter().map(|e| (e.path(), e.line())).collect();
    assert_eq!(
        got,
        vec![("time.rego", Some(6)), ("typo.rego", Some(6))],
        "{errors:?}"
    );
    assert!(errors[1].to_string().contains("unknown function sprint"));
    assert_eq!(set.checks().len(), 1);
}

#[test]
fn rule_annotations_refine_the_package() {
    let src = "# METADATA\n# title: Compose hygiene\n# custom:\n#   id: ACME-C\n#   severity: LOW\npackage user.compose.hygiene\n\nimport rego.v1\n\n# METADATA\n# title: Latest tag\n# custom:\n#   severity: HIGH\ndeny_latest contains msg if {\n\tsome name, svc in input.services\n\tendswith(svc.image, \":latest\")\n\tmsg := sprintf(\"service %s uses :latest\", [name])\n}\n\nwarn_no_restart contains msg if {\n\tsome name, svc in input.services\n\tnot svc.restart\n\tmsg := sprintf(\"service %s has no restart policy\", [name])\n}\n";
    let (set, errors) = load(&[("h.rego", src)]);
    assert!(errors.is_empty(), "{errors:?}");
    let f = run(
        &set,
        &docs(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:latest\n",
        ),
    );
    assert_eq!(f.len(), 2, "{f:#?}");
    let latest = f.iter().find(|x| x.title == "Latest tag").unwrap();
    assert_eq!(
        (latest.id.as_str(), latest.severity),
        ("ACME-C", Severity::High)
    );
    let restart = f.iter().find(|x| x.title == "Compose hygiene").unwrap();
    assert_eq!(restart.severity, Severity::Low);
}

/// Load and evaluation cost on a 30-file repository (10 Dockerfiles, 10 manifests with 3
/// objects each, 10 Compose files) with the four policies above; printed for the record and
/// bounded loosely so a pathological slowdown fails.
#[test]
fn thirty_file_timing() {
    let t = Instant::now();
    let (set, errors) = load(&[
        ("registry.rego", REGISTRY),
        ("limits.rego", MEMORY_LIMITS),
        ("compose.rego", COMPOSE),
        ("image.rego", IMAGE),
    ]);
    let load_time = t.elapsed();
    assert!(errors.is_empty(), "{errors:?}");
    let mut all = Vec::new();
    for i in 0..10 {
        all.extend(docs(
            &format!("svc{i}/Dockerfile"),
            &format!("FROM golang:1.{i} AS build\nRUN go build -o /app .\nFROM registry.acme.io/base:{i}\nCOPY --from=build /app /app\nUSER 1000\n"),
        ));
        all.extend(docs(
            &format!("deploy/app{i}.yaml"),
            &format!("{DEPLOYMENT}---\n{DEPLOYMENT}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s{i}\n"),
        ));
        all.extend(docs(
            &format!("compose{i}/docker-compose.yml"),
            "services:\n  web:\n    image: nginx\n  agent:\n    image: acme/agent\n    privileged: true\n",
        ));
    }
    assert_eq!(all.len(), 50);
    let t = Instant::now();
    let out = set.evaluate(&all);
    let eval_time = t.elapsed();
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    assert_eq!(out.findings.len(), 10 + 20 + 10);
    eprintln!(
        "30 files / {} documents, 4 policies: load {load_time:?}, evaluate {eval_time:?}",
        all.len()
    );
    assert!(eval_time < Duration::from_secs(20), "{eval_time:?}");
}
