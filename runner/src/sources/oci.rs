//! Plugins from OCI registries, in the wasm artifact layout of
//! wasm-pkg-tools (`wkg`, the `oci-wasm` crate): an image manifest whose
//! config is `application/vnd.wasm.config.v0+json` and whose one layer is
//! the component itself (`application/wasm`), so the layer digest is the
//! component's sha256.
//!
//! A pull always names a manifest digest. The manifest's bytes are hashed
//! against it and the layer's bytes against the manifest, whatever the
//! registry's headers say; both are kept in the component cache, where they
//! are hashed again before use, so a pinned plugin needs no network after
//! its first run.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use oci_client::RegistryOperation;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use oci_wasm::{WASM_LAYER_MEDIA_TYPE, WASM_MANIFEST_CONFIG_MEDIA_TYPE, WASM_MANIFEST_MEDIA_TYPE};

use super::{MAX_COMPONENT_BYTES, OciRef};

/// Connecting to a registry: a closed port answers at once, a black hole never.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Between two reads of a response.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// One whole operation (resolve, pull or push), however the peer trickles.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(300);
/// Image manifests are a few hundred bytes; this is far past any real one.
const MAX_MANIFEST_BYTES: usize = 1 << 20;

/// The registry's credentials: `MLTEST_OCI_USERNAME` and
/// `MLTEST_OCI_PASSWORD` (a token as the password for GHCR and most
/// clouds), else anonymous.
fn auth() -> RegistryAuth {
    match (
        std::env::var("MLTEST_OCI_USERNAME"),
        std::env::var("MLTEST_OCI_PASSWORD"),
    ) {
        (Ok(user), Ok(password)) => RegistryAuth::Basic(user, password),
        _ => RegistryAuth::Anonymous,
    }
}

/// HTTPS, except for registries on loopback, which speak plain HTTP (as
/// Docker treats them).
fn client(oci: &OciRef) -> Client {
    let protocol = if oci.is_loopback() {
        ClientProtocol::HttpsExcept(vec![oci.registry.clone()])
    } else {
        ClientProtocol::Https
    };
    Client::new(ClientConfig {
        protocol,
        connect_timeout: Some(CONNECT_TIMEOUT),
        read_timeout: Some(READ_TIMEOUT),
        ..ClientConfig::default()
    })
}

/// Runs one registry operation to completion on a runtime of its own, on a
/// thread of its own (so it may be called from inside another runtime).
fn block_on<T: Send>(
    what: &str,
    future: impl Future<Output = Result<T, String>> + Send,
) -> Result<T, String> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start the network runtime: {e}"))?;
                runtime.block_on(async {
                    tokio::time::timeout(OPERATION_TIMEOUT, future)
                        .await
                        .unwrap_or_else(|_| {
                            Err(format!(
                                "{what} took longer than {}",
                                humantime::format_duration(OPERATION_TIMEOUT)
                            ))
                        })
                })
            })
            .join()
            .unwrap_or_else(|_| Err(format!("{what} failed unexpectedly")))
    })
}

/// An error with its causes, which carry the useful part ("connection refused").
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn registry_error(oci: &OciRef, error: &(dyn std::error::Error + 'static)) -> String {
    format!("registry {}: {}", oci.registry, describe(error))
}

/// A manifest's bytes and the sha256 digest they hash to: the registry's
/// `Docker-Content-Digest` header is not trusted.
async fn manifest(
    client: &Client,
    oci: &OciRef,
    reference: &Reference,
) -> Result<(Vec<u8>, String), String> {
    // oci-client would read the whole body before we could bound it; it
    // negotiates the token, and the manifest itself is read here, capped.
    let token = client
        .auth(reference, &auth(), RegistryOperation::Pull)
        .await
        .map_err(|e| registry_error(oci, &e))?;
    let authorization = match (token, auth()) {
        (Some(token), _) => Some(format!("Bearer {token}")),
        (None, RegistryAuth::Basic(user, password)) => {
            use base64::Engine;
            let pair =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            Some(format!("Basic {pair}"))
        }
        (None, _) => None,
    };
    let scheme = if oci.is_loopback() { "http" } else { "https" };
    let url = format!(
        "{scheme}://{}/v2/{}/manifests/{}",
        reference.resolve_registry(),
        reference.repository(),
        reference.digest().or(reference.tag()).unwrap_or("latest")
    );
    let registry = oci.registry.clone();
    let bytes =
        tokio::task::spawn_blocking(move || fetch_manifest(&url, authorization, OPERATION_TIMEOUT))
            .await
            .map_err(|e| format!("registry {registry}: {e}"))?
            .map_err(|e| format!("registry {}: {e}", oci.registry))?;
    let digest = format!("sha256:{}", crate::files::sha256_hex(&bytes));
    Ok((bytes, digest))
}

/// GETs a manifest, reading at most [`MAX_MANIFEST_BYTES`] of it within
/// `within`, however slowly the registry sends it.
fn fetch_manifest(
    url: &str,
    authorization: Option<String>,
    within: Duration,
) -> Result<Vec<u8>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_per_read(Some(READ_TIMEOUT))
        .timeout_global(Some(within))
        .max_redirects(0)
        .build()
        .into();
    let mut request = agent.get(url).header("Accept", WASM_MANIFEST_MEDIA_TYPE);
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    let mut response = request.call().map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_MANIFEST_BYTES as u64)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => "the manifest is larger than 1 MiB".to_string(),
            e => describe(&e),
        })?;
    if status == 200 {
        return Ok(body);
    }
    // The distribution spec's error body: {"errors": [{"message": "manifest unknown"}]}.
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["errors"][0]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| "no message".to_string());
    Err(format!("{url} answered {status}: {message}"))
}

/// The digest a tag points at now (`sha256:…`).
pub(crate) fn resolve(oci: &OciRef) -> Result<String, String> {
    let client = client(oci);
    block_on(&format!("resolving {oci}"), async {
        Ok(manifest(&client, oci, &oci.reference()).await?.1)
    })
}

/// The component behind a manifest digest: from the cache when it holds it
/// (hashed again), else from the registry (hashed, then cached).
pub(crate) fn pull(
    oci: &OciRef,
    manifest_digest: &str,
    cache: Option<&Path>,
) -> Result<Vec<u8>, String> {
    let hex = sha256_hex_of(manifest_digest)
        .ok_or_else(|| format!("`{manifest_digest}` is not a sha256 digest"))?;
    let cache = cache.map(|dir| dir.join("oci"));
    if let Some(dir) = &cache
        && let Some(manifest) = cached(&dir.join("manifests").join(hex))
        && let Ok(layer) = layer_of(oci, manifest_digest, &manifest)
        && let Some(wasm) = cached(&dir.join("blobs").join(&layer.digest["sha256:".len()..]))
    {
        return Ok(wasm);
    }
    let reference = oci.reference_at(manifest_digest);
    let client = client(oci);
    let (manifest, wasm) = block_on(&format!("pulling {oci}"), async {
        let (manifest, actual) = manifest(&client, oci, &reference).await?;
        if actual != manifest_digest {
            return Err(format!(
                "{oci}: the manifest pinned as {manifest_digest} arrived with sha256 {actual}; the registry or something between is not serving what was pinned"
            ));
        }
        let layer = layer_of(oci, manifest_digest, &manifest)?;
        let mut stream = client
            .pull_blob_stream(&reference, &layer)
            .await
            .map_err(|e| registry_error(oci, &e))?;
        let mut wasm = Vec::with_capacity(usize::try_from(layer.size).unwrap_or(0));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| registry_error(oci, &e))?;
            if wasm.len() + chunk.len() > MAX_COMPONENT_BYTES as usize {
                return Err(format!(
                    "{oci}: the component is larger than the 256 MiB plugin components may be"
                ));
            }
            wasm.extend_from_slice(&chunk);
        }
        Ok((manifest, wasm))
    })?;
    let layer = layer_of(oci, manifest_digest, &manifest)?;
    let actual = format!("sha256:{}", crate::files::sha256_hex(&wasm));
    if actual != layer.digest {
        return Err(format!(
            "{oci}: the component arrived with sha256 {actual}, but manifest {manifest_digest} names {}; the registry's copy is damaged or was tampered with",
            layer.digest
        ));
    }
    if let Some(dir) = &cache {
        // A cache that cannot be written costs a pull next time, nothing more.
        let _ = store(&dir.join("manifests"), hex, &manifest);
        let _ = store(&dir.join("blobs"), &layer.digest["sha256:".len()..], &wasm);
    }
    Ok(wasm)
}

/// The one wasm layer of a wasm artifact manifest.
fn layer_of(oci: &OciRef, digest: &str, bytes: &[u8]) -> Result<OciDescriptor, String> {
    let not = |why: String| format!("{oci}@{digest} is not a wasm component artifact: {why}");
    let manifest: OciImageManifest = serde_json::from_slice(bytes)
        .map_err(|e| not(format!("its manifest is not valid: {e}")))?;
    if manifest.config.media_type != WASM_MANIFEST_CONFIG_MEDIA_TYPE {
        return Err(not(format!(
            "its config is `{}`, not `{WASM_MANIFEST_CONFIG_MEDIA_TYPE}`",
            manifest.config.media_type
        )));
    }
    let [layer] = manifest.layers.as_slice() else {
        return Err(not(format!(
            "it has {} layers, and a component is one",
            manifest.layers.len()
        )));
    };
    if layer.media_type != WASM_LAYER_MEDIA_TYPE {
        return Err(not(format!(
            "its layer is `{}`, not `{WASM_LAYER_MEDIA_TYPE}`",
            layer.media_type
        )));
    }
    if sha256_hex_of(&layer.digest).is_none() {
        return Err(not(format!(
            "its layer digest `{}` is not sha256",
            layer.digest
        )));
    }
    if !(0..=MAX_COMPONENT_BYTES as i64).contains(&layer.size) {
        return Err(not(format!(
            "its layer is {} bytes, and plugin components are at most 256 MiB",
            layer.size
        )));
    }
    Ok(layer.clone())
}

/// The 64 hex digits of a `sha256:` digest.
fn sha256_hex_of(digest: &str) -> Option<&str> {
    let hex = digest.strip_prefix("sha256:")?;
    // Lowercase only: the cache names entries by `sha256_hex`.
    (crate::files::is_sha256_hex(hex) && !hex.bytes().any(|b| b.is_ascii_uppercase()))
        .then_some(hex)
}

/// A cache entry whose bytes hash to its name; anything else is ignored.
fn cached(path: &Path) -> Option<Vec<u8>> {
    let name = path.file_name()?.to_str()?;
    let bytes = crate::files::read(
        path,
        MAX_COMPONENT_BYTES,
        "cached components are at most 256 MiB",
    )
    .ok()?;
    (crate::files::sha256_hex(&bytes) == name).then_some(bytes)
}

/// Writes a cache entry in one rename, so a reader never sees half of one.
fn store(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    crate::files::write_atomic(&dir.join(name), bytes)
}

/// Pushes a component as a wasm artifact; returns the manifest digest.
pub(crate) fn push(
    oci: &OciRef,
    wasm: Vec<u8>,
    annotations: BTreeMap<String, String>,
) -> Result<String, String> {
    let (config, layer) = oci_wasm::WasmConfig::from_raw_component(wasm, None)
        .map_err(|e| format!("not a component: {e:#}"))?;
    let reference = oci.reference();
    let client = oci_wasm::WasmClient::new(client(oci));
    block_on(&format!("pushing {oci}"), async {
        client
            .push(&reference, &auth(), layer, config, Some(annotations))
            .await
            .map_err(|e| format!("registry {}: {e:#}", oci.registry))?;
        Ok(manifest(&client, oci, &reference).await?.1)
    })
}

impl OciRef {
    /// The reference as oci-client takes it: by tag, or by digest when pinned.
    fn reference(&self) -> Reference {
        match &self.digest {
            Some(digest) => self.reference_at(digest),
            None => Reference::with_tag(
                self.registry.clone(),
                self.repository.clone(),
                self.tag.clone().unwrap_or_else(|| "latest".into()),
            ),
        }
    }

    fn reference_at(&self, digest: &str) -> Reference {
        Reference::with_digest(
            self.registry.clone(),
            self.repository.clone(),
            digest.to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    //! A registry that misbehaves on the wire: a test double, because the
    //! real one (the end-to-end tests' docker-registry) never does.

    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// Serves one request with `head`, then `body` chunks `pause` apart.
    fn peer(head: String, body: Vec<Vec<u8>>, pause: Duration) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/v2/ns/p/manifests/1",
            listener.local_addr().unwrap()
        );
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(head.as_bytes());
            for chunk in body {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
                std::thread::sleep(pause);
            }
        });
        url
    }

    #[test]
    fn a_huge_manifest_is_refused_after_one_mebibyte() {
        let size = 64 << 20;
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n");
        let url = peer(head, vec![vec![b'{'; 1 << 20]; 64], Duration::ZERO);
        let e = fetch_manifest(&url, None, Duration::from_secs(30)).unwrap_err();
        assert!(e.contains("larger than 1 MiB"), "{e}");
    }

    #[test]
    fn a_trickling_registry_is_cut_off_at_the_deadline() {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".to_string();
        let url = peer(head, vec![b"{".to_vec(); 1000], Duration::from_millis(200));
        let started = std::time::Instant::now();
        let e = fetch_manifest(&url, None, Duration::from_secs(2)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "{e}");
        assert!(
            e.to_lowercase().contains("timeout") || e.contains("timed out"),
            "{e}"
        );
    }

    #[test]
    fn registry_errors_carry_the_spec_message() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#;
        let head = format!(
            "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let url = peer(head, vec![body.to_vec()], Duration::ZERO);
        let e = fetch_manifest(&url, None, Duration::from_secs(30)).unwrap_err();
        assert!(e.ends_with("answered 404: manifest unknown"), "{e}");
    }
}
