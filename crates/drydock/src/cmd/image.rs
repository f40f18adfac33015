//! `drydock image REF|PATH`: an image in a registry, in the local Docker or Podman engine
//! (`docker://NAME`, `podman://NAME`), a `docker save` archive or an OCI layout (directory or tar).

use crate::cli::{ImageArgs, ImageSrc};
use anyhow::{Context, Result};
use drydock_image::{Image, OpenOptions};
use std::path::Path;
use std::process::ExitCode;

pub fn run(args: ImageArgs) -> Result<ExitCode> {
    let ImageArgs {
        path,
        insecure,
        ca_cert,
        image_src,
        username,
        password_stdin,
        platform,
        reference,
        common,
    } = args;
    let opts = OpenOptions {
        platform,
        reference,
    };
    let tls = TlsArgs { insecure, ca_cert };
    let image = match registry_reference(&path)? {
        Some(r) if path.to_str().is_some_and(|p| p.starts_with("registry://")) => {
            pull(&r, &opts, &tls, username, password_stdin)?
        }
        Some(r) => {
            let creds = (username, password_stdin);
            from_sources(&r, &path, &image_src, &opts, &tls, creds)?
        }
        None => open(&path, &opts)?,
    };
    super::scan_image(&image, &common)
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
    sources: &[ImageSrc],
    opts: &OpenOptions,
    tls: &TlsArgs,
    (username, password_stdin): (Option<String>, bool),
) -> Result<Image> {
    let mut tried = Vec::new();
    let mut creds = Some((username, password_stdin));
    for src in sources {
        let result = match src {
            ImageSrc::Registry => {
                // The password is read from stdin once, for the registry only.
                let (user, stdin) = creds.take().unwrap_or((None, false));
                pull(reference, opts, tls, user, stdin)
            }
            ImageSrc::Docker | ImageSrc::Podman => open(
                Path::new(&format!("{}://{}", src.name(), arg.to_string_lossy())),
                opts,
            ),
        };
        match result {
            Ok(image) => return Ok(image),
            Err(e) if sources.len() == 1 => return Err(e),
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

/// How to reach a registry: `--insecure` and `--ca-cert`.
struct TlsArgs {
    insecure: bool,
    ca_cert: Option<std::path::PathBuf>,
}

fn pull(
    reference: &drydock_registry::Reference,
    opts: &OpenOptions,
    tls: &TlsArgs,
    username: Option<String>,
    password_stdin: bool,
) -> Result<Image> {
    let explicit = match (username, password_stdin) {
        (Some(username), true) => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("cannot read the registry password from standard input")?;
            Some(drydock_registry::Credential {
                username,
                secret: drydock_registry::Secret::new(password.trim_end_matches(['\r', '\n'])),
            })
        }
        _ => None,
    };
    // Credentials are looked up by the reference's registry only.
    let credential = drydock_registry::CredentialSources::from_env(explicit)
        .lookup(&reference.registry)
        .with_context(|| format!("cannot read credentials for {}", reference.registry))?;
    let client = drydock_registry::client::Client::new(
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
    );
    drydock_image::open_registry(reference, client, opts)
        .with_context(|| format!("cannot pull {reference}"))
}
