//! `drydock rootfs DIR`: a root filesystem directory (an unpacked image or a mounted host).

use crate::cli::{Common, StoreTarget};
use anyhow::Result;
use drydock_image::Image;
use std::path::Path;
use std::process::ExitCode;

pub fn run(dir: &Path, store: &StoreTarget, common: &Common) -> Result<ExitCode> {
    super::scan_image(&Image::rootfs(dir)?, common, store)
}
