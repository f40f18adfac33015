//! The image's package inventory: OS packages from the databases present in the final view, and
//! language packages from files present in it — minus files an OS package installed (dpkg and
//! apk file lists, rpm header file lists), which are that OS package's: the distro's version is
//! what its advisories speak of.

use crate::{Artifact, Scan};
use drydock_catalog::Distro;
use drydock_fs::Fate;
use serde::Serialize;
use std::collections::HashSet;

/// Whether a package came with the operating system or with an application.
///
/// Serialized as `os` / `lang`, the strings the JSON output always had. Declared `Lang` first
/// so that the inventory's order (by class, then ecosystem...) stays as it was with strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageClass {
    /// From a language ecosystem: lockfiles, manifests, binaries, jars.
    Lang,
    /// From the distribution's package database (dpkg, apk, rpm).
    Os,
}

impl PackageClass {
    /// The serialized name, `os` or `lang`.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageClass::Lang => "lang",
            PackageClass::Os => "os",
        }
    }
}

/// One installed package, whatever its ecosystem.
#[derive(Clone, Debug, Serialize)]
pub struct InstalledPackage {
    pub class: PackageClass,
    /// `dpkg`, `apk`, `rpm`, or the OSV ecosystem of a language package (`npm`, `PyPI`, `Go`...).
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    pub purl: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// The source package distro advisories are keyed on (dpkg `Source:`, apk origin, rpm SRPM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// Only needed to develop, not shipped (lockfile dev dependencies).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    /// The file the package was found in: a package database, lockfile, binary or jar.
    pub location: String,
    /// What it depends on, as purls (or names) where the lockfile says; empty when unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    pub layer: usize,
    /// Not from the ecosystem's registry (workspace, path or git): not matched against its
    /// advisories.
    #[serde(skip)]
    pub unpublished: bool,
}

/// The purl namespace vulnerability data and peers use for each os-release id.
pub fn purl_namespace(family: &str) -> &str {
    match family {
        "rhel" => "redhat",
        "ol" => "oracle",
        "amzn" => "amazon",
        "sles" | "sled" | "sle-micro" => "suse",
        "opensuse-leap" | "opensuse-tumbleweed" | "opensuse" => "opensuse",
        other => other,
    }
}

pub fn collect(scan: &Scan) -> Vec<InstalledPackage> {
    let distro = match &scan.os {
        Some(os) => Distro::new(
            purl_namespace(&os.family),
            Some(os.version.as_str()).filter(|v| !v.is_empty()),
        ),
        None => Distro::default(),
    };
    let present = || scan.outputs.iter().filter(|o| o.fate == Fate::Present);
    // Files the OS package manager installed: dpkg and apk lists, rpm headers' file lists.
    let mut owned: HashSet<&str> = HashSet::new();
    for o in present() {
        match &o.artifact {
            Artifact::OwnedFiles(f) => owned.extend(f.paths.iter().map(String::as_str)),
            Artifact::Packages(db) => owned.extend(
                db.packages
                    .iter()
                    .flat_map(|p| p.files.iter().map(String::as_str)),
            ),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for o in present() {
        match &o.artifact {
            Artifact::Packages(db) => out.extend(db.packages.iter().map(|p| InstalledPackage {
                class: PackageClass::Os,
                ecosystem: p.ecosystem.as_str().to_owned(),
                name: p.name.clone(),
                version: p.version.clone(),
                purl: p.purl_for(&distro).unwrap_or_else(|_| p.purl.clone()),
                arch: p.arch.clone(),
                source_name: p.source_name.clone(),
                source_version: p.source_version.clone(),
                licenses: p.license.iter().cloned().collect(),
                dev: false,
                location: p.db_path.clone(),
                dependencies: Vec::new(),
                layer: o.layer,
                unpublished: false,
            })),
            Artifact::LangPackages(f) => {
                for p in &f.packages {
                    // `a.jar!inner.jar`: the file on disk is the outer one.
                    let file = p.location.split('!').next().unwrap_or(&p.location);
                    if owned.contains(file) {
                        continue;
                    }
                    out.push(InstalledPackage {
                        class: PackageClass::Lang,
                        ecosystem: p.ecosystem.as_str().to_owned(),
                        name: p.name.clone(),
                        version: p.version.clone(),
                        purl: p.purl.clone(),
                        arch: None,
                        source_name: None,
                        source_version: None,
                        licenses: p.licenses.clone(),
                        dev: p.dev,
                        location: p.location.clone(),
                        dependencies: p.dependencies.clone(),
                        layer: o.layer,
                        unpublished: p.unpublished,
                    });
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| {
        (a.class, &a.ecosystem, &a.name, &a.version, &a.location).cmp(&(
            b.class,
            &b.ecosystem,
            &b.name,
            &b.version,
            &b.location,
        ))
    });
    out
}

/// Container runtimes, whether installed by a package manager or as static binaries: what
/// CVE-2019-5736 (runc) and CVE-2024-21626 attacks need, so reports list them up front.
pub fn is_container_runtime(p: &InstalledPackage) -> bool {
    const NAMES: &[&str] = &[
        "runc",
        "crun",
        "containerd",
        "containerd.io",
        "containerd-shim",
        "docker",
        "docker-ce",
        "docker-ce-cli",
        "docker.io",
        "moby-engine",
        "moby-runc",
        "moby-containerd",
        "podman",
        "cri-o",
        "kubelet",
        "kubernetes-node",
    ];
    const MODULES: &[&str] = &[
        "github.com/opencontainers/runc",
        "github.com/containers/crun",
        "github.com/containerd/containerd",
        "github.com/containerd/containerd/v2",
        "github.com/docker/docker",
        "github.com/docker/cli",
        "github.com/moby/moby",
        "github.com/containers/podman/v4",
        "github.com/containers/podman/v5",
        "github.com/cri-o/cri-o",
        "k8s.io/kubernetes",
    ];
    match p.class {
        // A language package is a runtime only when it is the binary's main module (its
        // location is the binary itself), not a library some tool imports.
        PackageClass::Lang => {
            p.ecosystem == "Go"
                && MODULES.contains(&p.name.as_str())
                && !p.location.ends_with(".mod")
        }
        PackageClass::Os => NAMES.contains(&p.name.as_str()),
    }
}
