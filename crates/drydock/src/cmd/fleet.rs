//! `drydock fleet plan|work`: Kubernetes as the distributed engine. `plan` turns an image list
//! (a file, or a registry's catalog) into plain manifests: a ConfigMap holding the list, a
//! NetworkPolicy and an Indexed Job (`completionMode: Indexed`) whose pods each run
//! `fleet work --shard $(JOB_COMPLETION_INDEX)/N` and store their results with `--store`. A
//! shard is a fixed share of the list, so a re-run index scans the same images again, and the
//! store's writes are idempotent per image digest: a retried pod loses and duplicates nothing.
//! Nothing here talks to a cluster; `kubectl apply -f` does.

use crate::cli::{FleetCommand, ImageArgs, PlanArgs, Shard};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// A ConfigMap holds at most 1 MiB; the list must fit with room for the object around it.
const LIST_MAX: usize = 900 << 10;

pub fn run(cmd: FleetCommand) -> Result<ExitCode> {
    match cmd {
        FleetCommand::Plan(args) => plan(&args),
        FleetCommand::Work {
            shard,
            store_file,
            mut image,
        } => {
            if let Some(file) = store_file {
                image.store.store = Some(crate::args::read_secret_line(&file, "the store URL")?);
            }
            work(shard, *image)
        }
    }
}

/// This shard's images: positions `index`, `index + count`, ... of the list as written.
fn share<T: Clone>(all: &[T], shard: Shard) -> Vec<T> {
    all.iter()
        .skip(shard.index as usize)
        .step_by(shard.count as usize)
        .cloned()
        .collect()
}

fn work(shard: Shard, mut image: ImageArgs) -> Result<ExitCode> {
    let mut all = std::mem::take(&mut image.images);
    if let Some(file) = image.images_from.take() {
        all.extend(super::image::read_list(&file)?);
    }
    let mine: Vec<PathBuf> = share(&all, shard);
    if !image.common.quiet {
        eprintln!(
            "drydock: shard {}/{}: {} of {} images",
            shard.index,
            shard.count,
            mine.len(),
            all.len()
        );
    }
    if mine.is_empty() {
        // More shards than images: this pod has nothing to do, which is not a failure.
        return Ok(ExitCode::SUCCESS);
    }
    image.images = mine;
    super::image::run(image)
}

/// `--server` goes into the manifests verbatim: an http(s) URL of a host and port only, in the
/// characters a host name or address has. Plain http is allowed (a cluster Service usually
/// is) and said in a warning: the workers then pass --server-plain-http.
fn check_server_url(url: &str) -> Result<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| anyhow::anyhow!("--server {url:?}: expected https://HOST[:PORT]"))?;
    let rest = rest.trim_end_matches('/');
    let ok = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    anyhow::ensure!(
        ok,
        "--server {url:?}: expected https://HOST[:PORT], nothing after the port"
    );
    if url.starts_with("http://") {
        eprintln!(
            "drydock: warning: --server {url} is plain http: the workers' token crosses the cluster network in clear (they run with --server-plain-http)"
        );
    }
    Ok(())
}

/// One key of a Secret as a file: the pod volume `name`, and its read-only mount at `dir`
/// (holding `item.1`).
fn secret_file(
    (volumes, mounts): (&mut String, &mut String),
    name: &str,
    secret: &str,
    item: (&str, &str),
    dir: &str,
) {
    let _ = write!(
        volumes,
        "        - name: {name}\n          secret:\n            secretName: {secret}\n            items:\n              - {{key: {}, path: {}}}\n",
        item.0, item.1
    );
    let _ = writeln!(
        mounts,
        "            - {{name: {name}, mountPath: {dir}, readOnly: true}}"
    );
}

/// RFC 1123 label: what Kubernetes accepts as a name here.
fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    anyhow::ensure!(
        ok,
        "--{what} {name:?}: a Kubernetes name is 1-63 lowercase letters, digits and '-', not starting or ending with '-'"
    );
    Ok(())
}

/// The images of the plan, each a valid reference (a path means nothing inside a pod).
fn images(args: &PlanArgs) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if let Some(file) = &args.images_from {
        for line in super::image::read_list(file)? {
            let text = line.to_string_lossy().into_owned();
            let text = text.strip_prefix("registry://").unwrap_or(&text).to_owned();
            drydock_registry::Reference::parse(&text).with_context(|| {
                format!("{}: {text:?} is not an image reference", file.display())
            })?;
            out.push(text);
        }
    }
    if let Some(spec) = &args.registry_host {
        out.extend(from_registry(spec, args)?);
    }
    anyhow::ensure!(
        out.len() <= args.max_images,
        "{} images is over --max-images {}",
        out.len(),
        args.max_images
    );
    Ok(out)
}

/// `HOST[/PREFIX]`: every `host/repository:tag` of the registry whose repository is PREFIX
/// or lies under it.
fn from_registry(spec: &str, args: &PlanArgs) -> Result<Vec<String>> {
    use drydock_registry::catalog;
    let (host, prefix) = spec
        .split_once('/')
        .map_or((spec, ""), |(h, p)| (h, p.trim_end_matches('/')));
    // A reference on that host, only to build the client (credentials and TLS by host).
    let probe = drydock_registry::Reference::parse(&format!("{host}/x"))
        .with_context(|| format!("--registry {spec}: {host:?} is not a registry host"))?;
    anyhow::ensure!(
        probe.registry == host,
        "--registry {spec}: name a registry host (with a port or a dot), not a Docker Hub path"
    );
    let explicit = super::image::explicit_credential(&args.registry)?;
    let client = super::image::registry_client(&probe, &args.registry, explicit)?;
    let repos = catalog::repositories(&client, args.max_images)
        .with_context(|| format!("cannot list the repositories of {host}"))?;
    let mut out = Vec::new();
    let mut invalid = repos.invalid;
    for repo in repos
        .names
        .iter()
        .filter(|r| prefix.is_empty() || *r == prefix || r.starts_with(&format!("{prefix}/")))
    {
        let tags = catalog::tags(&client, repo, args.max_images)
            .with_context(|| format!("cannot list the tags of {host}/{repo}"))?;
        invalid += tags.invalid;
        out.extend(tags.names.iter().map(|t| format!("{host}/{repo}:{t}")));
        anyhow::ensure!(
            out.len() <= args.max_images,
            "{host}: more than --max-images {} tags",
            args.max_images
        );
    }
    if invalid > 0 {
        eprintln!(
            "drydock: warning: {host} listed {invalid} names that are not valid repository names or tags; left out"
        );
    }
    Ok(out)
}

fn plan(args: &PlanArgs) -> Result<ExitCode> {
    check_name("name", &args.name)?;
    check_name("namespace", &args.namespace)?;
    check_name("store-secret", &args.store_secret)?;
    if let Some(s) = &args.registry_secret {
        check_name("registry-secret", s)?;
    }
    drydock_registry::Reference::parse(&args.worker_image)
        .with_context(|| format!("--worker-image {:?}", args.worker_image))?;
    if let Some(r) = &args.db_from {
        drydock_registry::Reference::parse(r).with_context(|| format!("--db-from {r:?}"))?;
    }
    if let Some(url) = &args.server {
        check_name("server-token-secret", &args.server_token_secret)?;
        for s in [&args.server_ca_secret, &args.layer_key_secret]
            .into_iter()
            .flatten()
        {
            check_name("secret", s)?;
        }
        check_server_url(url)?;
    }
    let list = images(args)?;
    anyhow::ensure!(!list.is_empty(), "no images to plan");
    let text = list.join("\n") + "\n";
    anyhow::ensure!(
        text.len() <= LIST_MAX,
        "the image list is {} KiB, over what one ConfigMap holds ({} KiB); split it into several plans",
        text.len() >> 10,
        LIST_MAX >> 10
    );
    let yaml = manifests(args, &text);
    match &args.output {
        Some(path) => std::fs::write(path, &yaml)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{yaml}"),
    }
    eprintln!(
        "drydock: {} images in {} shards ({} pods at a time)",
        list.len(),
        args.shards,
        parallelism(args)
    );
    Ok(ExitCode::SUCCESS)
}

fn parallelism(args: &PlanArgs) -> u32 {
    args.parallelism
        .unwrap_or(args.shards.min(8))
        .min(args.shards)
}

/// The manifests. Every value that comes from the user is validated above (names, image
/// references), and the image list goes in as a literal block, so plain formatting is safe.
fn manifests(args: &PlanArgs, list: &str) -> String {
    let PlanArgs {
        name,
        namespace: ns,
        shards,
        worker_image,
        store_secret,
        ..
    } = args;
    let labels = format!(
        "app.kubernetes.io/name: drydock\n    app.kubernetes.io/component: fleet-worker\n    app.kubernetes.io/instance: {name}"
    );
    let mut out = String::new();
    let _ = write!(
        out,
        "# drydock fleet plan: {count} images, {shards} shards. Apply with kubectl apply -f; the\n\
         # Secret {needed} must exist first.\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-images\n  namespace: {ns}\n  labels:\n    {labels}\n\
         data:\n  images.txt: |\n",
        count = list.lines().count(),
        needed = match &args.server {
            None => format!("{store_secret} (key url: the results store, postgres://...)"),
            Some(_) => format!(
                "{} (key token: a submit token of the server)",
                args.server_token_secret
            ),
        },
    );
    for line in list.lines() {
        let _ = writeln!(out, "    {line}");
    }
    // The namespace is the fleet's own: nothing may connect to its pods (default-deny
    // ingress); the workers reach registries anywhere, the store and DNS.
    let _ = write!(
        out,
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}-default-deny-ingress\n  namespace: {ns}\n  labels:\n    {labels}\n\
         spec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n  ingress: []\n  egress:\n    - {{}}\n"
    );
    let pod_labels = labels.replace("\n    ", "\n        ");
    let mut volumes = format!(
        "        - name: images\n          configMap:\n            name: {name}-images\n\
         \x20       - name: tmp\n          emptyDir:\n            sizeLimit: 1Gi\n\
         \x20       - name: cache\n          emptyDir:\n            sizeLimit: 4Gi\n\
         \x20       - name: db\n          emptyDir:\n            sizeLimit: 2Gi\n"
    );
    let mut mounts = String::from(
        "            - {name: images, mountPath: /etc/drydock, readOnly: true}\n\
         \x20           - {name: tmp, mountPath: /tmp}\n\
         \x20           - {name: cache, mountPath: /cache}\n\
         \x20           - {name: db, mountPath: /db}\n",
    );
    if let Some(secret) = &args.registry_secret {
        secret_file(
            (&mut volumes, &mut mounts),
            "registry-auth",
            secret,
            (".dockerconfigjson", "config.json"),
            "/etc/drydock-auth",
        );
    }
    let container_security = "          securityContext:\n\
         \x20           allowPrivilegeEscalation: false\n\
         \x20           readOnlyRootFilesystem: true\n\
         \x20           runAsNonRoot: true\n\
         \x20           capabilities:\n              drop: [ALL]\n";
    let env = "            - {name: HOME, value: /tmp}\n\
         \x20           - {name: DRYDOCK_QUIET, value: \"1\"}\n\
         \x20           - {name: DRYDOCK_CACHE_DIR, value: /cache}\n\
         \x20           - {name: DRYDOCK_DB_DIR, value: /db}\n\
         \x20           - {name: DOCKER_CONFIG, value: /etc/drydock-auth}\n";
    // Where results go: the store (its URL holds its password: a file from the Secret, not an
    // environment variable), or the server (its token likewise).
    let mut worker_mounts = mounts.clone();
    let sink_args = match &args.server {
        None => {
            secret_file(
                (&mut volumes, &mut worker_mounts),
                "store",
                store_secret,
                ("url", "url"),
                "/etc/drydock-store",
            );
            "--store-file, /etc/drydock-store/url".to_owned()
        }
        Some(url) => {
            let mut sink = format!(
                "--server, \"{}\", --server-token-file, /etc/drydock-server/token",
                url.trim_end_matches('/')
            );
            let secrets = [
                (
                    Some(&args.server_token_secret),
                    "server-token",
                    ("token", "token"),
                    "/etc/drydock-server",
                    "",
                ),
                (
                    args.server_ca_secret.as_ref(),
                    "server-ca",
                    ("ca.pem", "ca.pem"),
                    "/etc/drydock-server-ca",
                    ", --server-ca, /etc/drydock-server-ca/ca.pem",
                ),
                (
                    args.layer_key_secret.as_ref(),
                    "layer-key",
                    ("key", "key"),
                    "/etc/drydock-layer-key",
                    ", --layer-key-file, /etc/drydock-layer-key/key",
                ),
            ];
            for (secret, name, item, dir, flag) in secrets {
                if let Some(secret) = secret {
                    secret_file((&mut volumes, &mut worker_mounts), name, secret, item, dir);
                    sink.push_str(flag);
                }
            }
            if url.starts_with("http://") {
                sink.push_str(", --server-plain-http");
            }
            sink
        }
    };
    let init = match &args.db_from {
        Some(db) => format!(
            "      initContainers:\n        - name: advisory-db\n          image: {worker_image}\n          imagePullPolicy: IfNotPresent\n\
             \x20         args: [db, update, --from, \"{db}\"]\n          env:\n{env}          volumeMounts:\n{mounts}{container_security}\
             \x20         resources:\n            requests: {{cpu: 100m, memory: 128Mi}}\n            limits: {{cpu: \"1\", memory: 512Mi}}\n"
        ),
        None => String::new(),
    };
    let _ = write!(
        out,
        "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    {labels}\n\
         spec:\n  completionMode: Indexed\n  completions: {shards}\n  parallelism: {par}\n\
         \x20 backoffLimitPerIndex: 2\n  maxFailedIndexes: {shards}\n  ttlSecondsAfterFinished: 604800\n\
         \x20 template:\n    metadata:\n      labels:\n        {pod_labels}\n    spec:\n\
         \x20     restartPolicy: Never\n      automountServiceAccountToken: false\n      enableServiceLinks: false\n\
         \x20     securityContext:\n        runAsNonRoot: true\n        runAsUser: 65532\n        runAsGroup: 65532\n        fsGroup: 65532\n\
         \x20       seccompProfile:\n          type: RuntimeDefault\n\
         {init}      containers:\n        - name: worker\n          image: {worker_image}\n          imagePullPolicy: IfNotPresent\n\
         \x20         args: [fleet, work, --images-from, /etc/drydock/images.txt, --shard, \"$(JOB_COMPLETION_INDEX)/{shards}\", {sink_args}]\n\
         \x20         env:\n{env}          volumeMounts:\n{worker_mounts}{container_security}\
         \x20         resources:\n            requests: {{cpu: 500m, memory: 512Mi}}\n            limits: {{cpu: \"2\", memory: 2Gi}}\n      volumes:\n{volumes}",
        par = parallelism(args),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_list() {
        let all: Vec<u32> = (0..10).collect();
        let mut seen: Vec<u32> = (0..3)
            .flat_map(|index| share(&all, Shard { index, count: 3 }))
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, all);
        assert_eq!(share(&all, Shard { index: 1, count: 3 }), vec![1, 4, 7]);
        assert!(share(&all[..2], Shard { index: 2, count: 3 }).is_empty());
    }

    #[test]
    fn names_are_rfc_1123_labels() {
        assert!(check_name("name", "drydock-fleet").is_ok());
        for bad in ["", "Fleet", "-a", "a-", "a_b", "a.b", &"a".repeat(64)] {
            assert!(check_name("name", bad).is_err(), "{bad}");
        }
    }
}
