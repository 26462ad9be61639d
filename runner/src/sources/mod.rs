//! Where declared plugins' components come from: a file beside the suite,
//! or an OCI registry. Every component is pinned before the host sees it:
//! a file by the suite's `sha256` (or `mltest run --locked`), an OCI plugin
//! always by its manifest digest, written in the reference or recorded in
//! the lockfile. The host compiles only bytes this stage has checked.

mod oci;

use std::path::Path;

use crate::host::Origin;
use crate::lock::Lockfile;
use crate::suite::{PluginSource, PluginSpec};

/// The largest plugin component accepted, from a file or a registry.
pub(crate) const MAX_COMPONENT_BYTES: u64 = 256 << 20;

/// `oci://HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OciRef {
    pub(crate) registry: String,
    pub(crate) repository: String,
    pub(crate) tag: Option<String>,
    /// `sha256:…`: the manifest this reference is pinned to.
    pub(crate) digest: Option<String>,
}

impl OciRef {
    pub(crate) fn parse(text: &str) -> Result<OciRef, String> {
        let rest = text
            .strip_prefix("oci://")
            .ok_or_else(|| format!("`{text}` does not start with `oci://`"))?;
        let (registry, path) = rest
            .split_once('/')
            .ok_or_else(|| format!("`{text}` names no repository after the registry host"))?;
        // Without an explicit host, a name would silently mean Docker Hub.
        if registry.is_empty()
            || !(registry.contains('.') || registry.contains(':') || registry == "localhost")
        {
            return Err(format!(
                "`{text}`: `{registry}` is not a registry host (write it in full, e.g. `ghcr.io` or `localhost:5000`)"
            ));
        }
        let (path, digest) = match path.split_once('@') {
            Some((path, digest)) => {
                let hex = digest.strip_prefix("sha256:").unwrap_or("");
                if !crate::files::is_sha256_hex(hex) {
                    return Err(format!(
                        "`{text}`: the digest must be `sha256:` and 64 hex digits"
                    ));
                }
                (path, Some(digest.to_ascii_lowercase()))
            }
            None => (path, None),
        };
        let last = path.rsplit('/').next().unwrap_or(path);
        let (repository, tag) = match last.split_once(':') {
            Some((_, tag)) => (&path[..path.len() - tag.len() - 1], Some(tag.to_string())),
            None => (path, None),
        };
        if tag.is_none() && digest.is_none() {
            return Err(format!(
                "`{text}` names no tag or digest; write `:TAG` (pinned by `mltest lock`) or `@sha256:DIGEST`"
            ));
        }
        // The grammar of the distribution spec, checked by the crate that speaks it.
        let mut reference = format!("{registry}/{repository}");
        if let Some(tag) = &tag {
            reference.push_str(&format!(":{tag}"));
        }
        if let Some(digest) = &digest {
            reference.push_str(&format!("@{digest}"));
        }
        oci_client::Reference::try_from(reference.as_str())
            .map_err(|e| format!("`{text}` is not a valid OCI reference: {e}"))?;
        Ok(OciRef {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag,
            digest,
        })
    }

    /// Registries on loopback are reached over plain HTTP.
    pub(crate) fn is_loopback(&self) -> bool {
        let host = match self.registry.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => &self.registry,
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

impl std::fmt::Display for OciRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "oci://{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// A declared plugin's component, fetched and checked.
pub(crate) struct FetchedPlugin {
    pub(crate) name: String,
    pub(crate) wasm: Vec<u8>,
    pub(crate) origin: Origin,
    /// For an OCI plugin: the manifest digest it was pulled by.
    pub(crate) manifest: Option<String>,
}

/// How an OCI tag becomes a manifest digest.
pub(crate) enum Pins<'a> {
    /// As the lockfile records it (every run; no network once cached).
    Lockfile(Option<&'a Lockfile>),
    /// As the registry answers now (`mltest lock`, `mltest run --locked`).
    Registry,
}

#[derive(Debug, thiserror::Error)]
#[error("plugin `{name}`: {message}")]
pub(crate) struct SourceError {
    pub(crate) name: String,
    pub(crate) message: String,
}

/// Reads or pulls one declared plugin's component and checks its digests.
pub(crate) fn fetch(
    spec: &PluginSpec,
    pins: &Pins<'_>,
    cache: Option<&Path>,
) -> Result<FetchedPlugin, SourceError> {
    let err = |message: String| SourceError {
        name: spec.name.clone(),
        message,
    };
    let (wasm, origin, manifest) = match &spec.source {
        PluginSource::File(path) => {
            let wasm = crate::files::read(
                path,
                MAX_COMPONENT_BYTES,
                "plugin components are at most 256 MiB",
            )
            .map_err(|e| err(format!("{}: {e}", path.display())))?;
            (wasm, Origin::File(path.clone()), None)
        }
        PluginSource::Oci(oci) => {
            let pin = match (&oci.digest, pins) {
                (Some(digest), _) => digest.clone(),
                (None, Pins::Registry) => oci::resolve(oci).map_err(err)?,
                (None, Pins::Lockfile(lock)) => lock
                    .and_then(|l| l.manifest_of(&spec.name, &oci.to_string()))
                    .map(str::to_string)
                    .ok_or_else(|| {
                        err(format!(
                            "{oci} is not pinned by digest: run `mltest lock` to pin it in the lockfile, or write the reference with `@sha256:…`"
                        ))
                    })?,
            };
            let wasm = oci::pull(oci, &pin, cache).map_err(err)?;
            (wasm, Origin::Oci(oci.to_string()), Some(pin))
        }
    };
    if let Some(expected) = &spec.sha256 {
        let actual = crate::files::sha256_hex(&wasm);
        if &actual != expected {
            return Err(err(format!(
                "{} has sha256 {actual}, but the suite pins {expected}",
                spec.source
            )));
        }
    }
    Ok(FetchedPlugin {
        name: spec.name.clone(),
        wasm,
        origin,
        manifest,
    })
}

/// Publishes a component to a registry (`mltest plugin push`); returns the
/// manifest digest to pin it by.
pub(crate) fn push(
    wasm: Vec<u8>,
    to: &OciRef,
    name: &str,
    version: &str,
    summary: &str,
) -> Result<String, String> {
    let annotations = [
        ("org.opencontainers.image.title", name),
        ("org.opencontainers.image.version", version),
        ("org.opencontainers.image.description", summary),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    oci::push(to, wasm, annotations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = OciRef::parse("oci://localhost:5000/mltest/leakage:0.1.0").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("localhost:5000", "mltest/leakage", Some("0.1.0"))
        );
        assert!(r.is_loopback());
        assert_eq!(r.to_string(), "oci://localhost:5000/mltest/leakage:0.1.0");
        let d = format!("sha256:{}", "a".repeat(64));
        let r = OciRef::parse(&format!("oci://ghcr.io/acme/checks/leak:1@{d}")).unwrap();
        assert_eq!(r.repository, "acme/checks/leak");
        assert_eq!(r.digest.as_deref(), Some(d.as_str()));
        assert!(!r.is_loopback());
        assert!(
            OciRef::parse("oci://127.0.0.1:5000/x:1")
                .unwrap()
                .is_loopback()
        );
    }

    #[test]
    fn refuses_ambiguous_references() {
        for (text, says) in [
            ("localhost:5000/x:1", "does not start with `oci://`"),
            ("oci://mltest/leakage:1", "is not a registry host"),
            ("oci://ghcr.io/acme/leak", "no tag or digest"),
            ("oci://ghcr.io/acme/leak@sha256:abc", "64 hex digits"),
            ("oci://ghcr.io", "names no repository"),
            ("oci://ghcr.io/Acme/leak:1", "not a valid OCI reference"),
        ] {
            let e = OciRef::parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
