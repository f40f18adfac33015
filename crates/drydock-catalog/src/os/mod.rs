//! OS package managers: one module per ecosystem, each exporting a `CATALOGER` registry
//! entry and its `parse` function.

pub mod apk;
pub mod dpkg;
pub mod rpm;
