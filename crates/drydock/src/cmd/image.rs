//! `drydock image REF|PATH`: an image in a registry, in the local Docker or Podman engine
//! (`docker://NAME`, `podman://NAME`), a `docker save` archive or an OCI layout (directory or tar).

use crate::cli::{ImageArgs, ImageSrc, RegistryArgs};
use anyhow::{Context, Result};
use drydock_image::{Image, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(args: ImageArgs) -> Result<ExitCode> {
    let ImageArgs {
        images,
        images_from,
        parallel,
        registry,
        image_src,
        platform,
        reference,
        store,
        common,
    } = args;
    let mut targets = images;
    if let Some(file) = &images_from {
        targets.extend(read_list(file)?);
    }
    let explicit = explicit_credential(&registry)?;
    let sources = Sources {
        opts: OpenOptions {
            platform,
            reference,
        },
        tls: registry,
        image_src,
        explicit,
        offline: common.offline,
    };
    match targets.as_slice() {
        [] => anyhow::bail!(
            "no image to scan: {} lists none",
            images_from
                .as_deref()
                .unwrap_or(Path::new("--images-from"))
                .display()
        ),
        [one] if !super::many::wants_dirs(&common) => {
            super::scan_image(&sources.open(one)?, &common, &store)
        }
        _ => {
            sources.check_explicit_scope(&targets)?;
            super::many::run(
                &targets,
                &|t| sources.open(t),
                usize::from(parallel),
                &common,
                &store,
            )
        }
    }
}

/// An image argument as `drydock sbom` takes it: a path, an engine image, or a registry
/// reference pulled with the default TLS settings and the credentials configured for its host.
pub fn open_default(arg: &Path, opts: OpenOptions, offline: bool) -> Result<Image> {
    Sources {
        opts,
        tls: RegistryArgs::default(),
        image_src: vec![ImageSrc::Registry],
        explicit: None,
        offline,
    }
    .open(arg)
}

/// `--images-from FILE`: one reference or path per line; blank lines and `#` comments skipped.
pub(crate) fn read_list(file: &Path) -> Result<Vec<PathBuf>> {
    const MAX_LIST: u64 = 16 << 20;
    let mut text = String::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_LIST + 1).read_to_string(&mut text))
        .with_context(|| format!("cannot read --images-from {}", file.display()))?;
    if text.len() as u64 > MAX_LIST {
        anyhow::bail!("--images-from {}: larger than 16 MiB", file.display());
    }
    Ok(text
        .lines()
        .map(|l| l.split_once(" #").map_or(l, |(before, _)| before).trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(PathBuf::from)
        .collect())
}

/// `--username` with `--password-stdin`: the password is read once, before any image is opened.
pub(crate) fn explicit_credential(
    registry: &RegistryArgs,
) -> Result<Option<drydock_registry::Credential>> {
    let (Some(username), true) = (registry.username.clone(), registry.password_stdin) else {
        return Ok(None);
    };
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("cannot read the registry password from standard input")?;
    Ok(Some(drydock_registry::Credential {
        username,
        secret: drydock_registry::Secret::new(password.trim_end_matches(['\r', '\n'])),
    }))
}

/// How this run opens an image argument.
struct Sources {
    opts: OpenOptions,
    tls: RegistryArgs,
    image_src: Vec<ImageSrc>,
    explicit: Option<drydock_registry::Credential>,
    /// `--offline`: a registry reference is refused, never pulled.
    offline: bool,
}

impl Sources {
    fn open(&self, arg: &Path) -> Result<Image> {
        let reference = registry_reference(arg)?;
        if self.offline
            && reference.is_some()
            && (arg.to_str().is_some_and(|p| p.starts_with("registry://"))
                || self.image_src == [ImageSrc::Registry])
        {
            anyhow::bail!(
                "{}: --offline: a registry image cannot be pulled; scan a local file, or an engine image (docker://, podman://)",
                arg.display()
            );
        }
        match reference {
            Some(r) if arg.to_str().is_some_and(|p| p.starts_with("registry://")) => {
                pull(&r, &self.opts, &self.tls, self.explicit.clone())
            }
            Some(r) => from_sources(&r, arg, self),
            None => open(arg, &self.opts),
        }
    }

    /// Credentials given on the command line belong to one registry: with images from several,
    /// which one they are for is ambiguous, and sending them to every one would hand them to
    /// registries they were never meant for (CVE-2024-35192 is that mistake).
    fn check_explicit_scope(&self, targets: &[PathBuf]) -> Result<()> {
        if self.explicit.is_none() {
            return Ok(());
        }
        let mut hosts = std::collections::BTreeSet::new();
        for t in targets {
            if let Some(r) = registry_reference(t)? {
                hosts.insert(r.registry);
            }
        }
        if hosts.len() > 1 {
            anyhow::bail!(
                "--username/--password-stdin name one registry's credentials, but the images come \
                 from {}: put each registry's credentials in ~/.docker/config.json (or \
                 REGISTRY_AUTH_FILE) instead",
                hosts.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
        Ok(())
    }
}

/// An image path, or `docker://NAME` / `podman://NAME`: an image in the local engine, streamed
/// from its API socket (`DOCKER_HOST`, `CONTAINER_HOST` or the default sockets).
pub fn open(path: &Path, opts: &OpenOptions) -> Result<Image> {
    let text = path.to_string_lossy();
    let engine = [
        ("docker://", drydock_image::EngineKind::Docker),
        ("podman://", drydock_image::EngineKind::Podman),
    ]
    .into_iter()
    .find_map(|(prefix, kind)| text.strip_prefix(prefix).map(|name| (kind, name)));
    let Some((kind, name)) = engine else {
        return Ok(Image::open(path, opts)?);
    };
    let socket = drydock_image::EngineSocket::from_env(kind)?;
    Image::open_engine(&socket, name).with_context(|| {
        format!(
            "cannot open {text} from the engine socket {}",
            socket.path.display()
        )
    })
}

/// A bare reference from the `--image-src` sources in their order: the first that has it wins;
/// when none has, the error lists what each said.
fn from_sources(
    reference: &drydock_registry::Reference,
    arg: &Path,
    sources: &Sources,
) -> Result<Image> {
    let mut tried = Vec::new();
    for src in &sources.image_src {
        let result = match src {
            ImageSrc::Registry if sources.offline => {
                Err(anyhow::anyhow!("--offline: registries are not asked"))
            }
            ImageSrc::Registry => pull(
                reference,
                &sources.opts,
                &sources.tls,
                sources.explicit.clone(),
            ),
            ImageSrc::Docker | ImageSrc::Podman => open(
                Path::new(&format!("{}://{}", src.name(), arg.to_string_lossy())),
                &sources.opts,
            ),
        };
        match result {
            Ok(image) => return Ok(image),
            Err(e) if sources.image_src.len() == 1 => return Err(e),
            Err(e) => tried.push(format!("  {}: {e:#}", src.name())),
        }
    }
    anyhow::bail!(
        "{} was not found in any --image-src source tried:\n{}",
        arg.display(),
        tried.join("\n")
    )
}

/// A reference to pull, unless `arg` is an existing path (which is scanned as a file, as before),
/// an engine image, or does not parse as a reference (then the path error names it).
fn registry_reference(arg: &Path) -> Result<Option<drydock_registry::Reference>> {
    let Some(text) = arg.to_str() else {
        return Ok(None);
    };
    if let Some(rest) = text.strip_prefix("registry://") {
        return Ok(Some(drydock_registry::Reference::parse(rest)?));
    }
    if text.starts_with("docker://") || text.starts_with("podman://") {
        // A container engine's image (`open`), not a registry.
        return Ok(None);
    }
    if arg.exists() {
        return Ok(None);
    }
    Ok(drydock_registry::Reference::parse(text).ok())
}

fn pull(
    reference: &drydock_registry::Reference,
    opts: &OpenOptions,
    tls: &RegistryArgs,
    explicit: Option<drydock_registry::Credential>,
) -> Result<Image> {
    let client = registry_client(reference, tls, explicit)?;
    drydock_image::open_registry(reference, client, opts)
        .with_context(|| format!("cannot pull {reference}"))
}

/// A client for the reference's registry with `--insecure`/`--ca-cert`, and the credentials
/// configured for that registry (never another's; `explicit` is `--username`'s).
pub(crate) fn registry_client(
    reference: &drydock_registry::Reference,
    tls: &RegistryArgs,
    explicit: Option<drydock_registry::Credential>,
) -> Result<drydock_registry::client::Client> {
    let credential = drydock_registry::CredentialSources::from_env(explicit)
        .lookup(&reference.registry)
        .with_context(|| format!("cannot read credentials for {}", reference.registry))?;
    Ok(drydock_registry::client::Client::new(
        reference,
        credential,
        drydock_registry::client::ClientOptions {
            insecure: tls.insecure,
            extra_roots: match &tls.ca_cert {
                Some(path) => drydock_registry::client::load_ca_file(path)?,
                None => Vec::new(),
            },
            ..Default::default()
        },
    ))
}
