//! TLS for PostgreSQL through rustls (never OpenSSL), with libpq's `sslmode` meanings:
//! `prefer` and `require` encrypt without checking the certificate (as libpq does without a root
//! certificate; `require` with `sslrootcert` checks the chain as `verify-ca`), `verify-ca` checks
//! the chain only, `verify-full` the chain and the host name. The roots are `sslrootcert`'s PEM
//! file, else `~/.postgresql/root.crt` when it exists (libpq's default), else the public roots
//! built into the binary (Mozilla's, as for the mail server; what libpq's `sslrootcert=system` does).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore};

use super::target::{PgTarget, SslMode};

/// The rustls client configuration for `target`'s sslmode.
pub fn client_config(target: &PgTarget) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let check = match (target.sslmode, &target.sslrootcert) {
        (SslMode::Disable | SslMode::Prefer, _) | (SslMode::Require, None) => Check::Nothing,
        (SslMode::Require | SslMode::VerifyCa, _) => Check::ChainOnly,
        (SslMode::VerifyFull, _) => Check::ChainAndName,
    };
    let verifier: Arc<dyn ServerCertVerifier> = match check {
        Check::Nothing => Arc::new(Libpq {
            provider,
            chain: None,
        }),
        Check::ChainOnly | Check::ChainAndName => {
            let roots = Arc::new(roots(target.sslrootcert.as_deref())?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| format!("TLS setup failed: {e}"))?;
            if check == Check::ChainOnly {
                Arc::new(Libpq {
                    provider,
                    chain: Some(webpki),
                })
            } else {
                webpki
            }
        }
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

#[derive(PartialEq, Eq)]
enum Check {
    Nothing,
    ChainOnly,
    ChainAndName,
}

/// The trusted roots: the given PEM file, libpq's `~/.postgresql/root.crt`, or the built-in ones.
fn roots(sslrootcert: Option<&Path>) -> Result<RootCertStore, String> {
    let default_file = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".postgresql/root.crt"))
        .filter(|file| file.is_file());
    let file = match sslrootcert {
        Some(path) if path == Path::new("system") => None,
        Some(path) => Some(path.to_path_buf()),
        None => default_file,
    };
    let Some(file) = file else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let certificates = CertificateDer::pem_file_iter(&file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            format!(
                "sslrootcert {}: cannot read PEM certificates ({e}): give the CA certificate \
                 file of your PostgreSQL server",
                file.display()
            )
        })?;
    let mut store = RootCertStore::empty();
    let (_, refused) = store.add_parsable_certificates(certificates);
    if store.is_empty() {
        return Err(format!(
            "sslrootcert {}: no usable CA certificate in it ({refused} refused): give the CA \
             certificate file of your PostgreSQL server in PEM form",
            file.display()
        ));
    }
    Ok(store)
}

/// `prefer`/`require` (no `chain`): any certificate; `verify-ca` (a `chain`): the chain must reach
/// a trusted root, but the name in the certificate may differ from the host (webpki checks the
/// chain before the name, so a name error means the chain was good). Either way the handshake
/// must be signed by the certificate's key.
#[derive(Debug)]
struct Libpq {
    provider: Arc<CryptoProvider>,
    chain: Option<Arc<WebPkiServerVerifier>>,
}

impl ServerCertVerifier for Libpq {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
