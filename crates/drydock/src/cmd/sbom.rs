//! `drydock sbom PATH|REF`: the inventory of an image (a file, an engine image or a registry
//! reference, as `drydock image` takes them) or directory, as CycloneDX unless `--format`
//! says otherwise.

use crate::cli::{Common, Format, Scanner};
use anyhow::Result;
use drydock_image::{Image, OpenOptions, Platform};
use std::path::Path;
use std::process::ExitCode;

pub fn run(
    path: &Path,
    platform: Option<Platform>,
    reference: Option<String>,
    mut common: Common,
) -> Result<ExitCode> {
    for spec in &mut common.format {
        if spec.format == Format::Table {
            spec.format = Format::Cyclonedx;
        }
    }
    common.scanners = vec![Scanner::None];
    // A directory is an image layout if it says so, otherwise a root filesystem.
    let layout = ["index.json", "manifest.json"]
        .iter()
        .any(|f| path.join(f).is_file());
    let image = if path.is_dir() && !layout {
        Image::rootfs(path)?
    } else {
        super::image::open_default(
            path,
            OpenOptions {
                platform,
                reference,
            },
            common.offline,
        )?
    };
    super::scan_image(&image, &common, &Default::default())
}
