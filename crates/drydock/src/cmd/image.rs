//! `drydock image PATH`: a `docker save` archive or an OCI layout (directory or tar).

use crate::cli::ImageArgs;
use anyhow::Result;
use drydock_image::{Image, OpenOptions};
use std::process::ExitCode;

pub fn run(args: ImageArgs) -> Result<ExitCode> {
    let ImageArgs {
        path,
        platform,
        reference,
        common,
    } = args;
    let image = Image::open(
        &path,
        &OpenOptions {
            platform,
            reference,
        },
    )?;
    super::scan_image(&image, &common)
}
