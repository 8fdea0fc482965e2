//! The connection loop in front of the router: TLS when the deployment gives a certificate
//! (rustls, PEM files), a deadline for a connection's TLS handshake and request headers, a cap on
//! open connections, and a graceful stop. Idle or trickling clients cannot starve the server:
//! a client that does not finish its headers in time is disconnected, one whose request takes
//! longer than the request timeout gets 408 (a layer in `startup.rs`), and a connection over the
//! cap is closed at once instead of queued.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;

/// How the loop treats connections.
#[derive(Clone)]
pub struct ConnectionPolicy {
    /// TLS for every connection, when the deployment terminates it here.
    pub tls: Option<TlsAcceptor>,
    /// From accepting a connection (or finishing the previous request on it) to having the
    /// whole of the next request's headers, TLS handshake included.
    pub header_timeout: Duration,
    /// Connections open at once; the next is closed as soon as it is accepted.
    pub max_connections: usize,
    /// How long requests in flight may take to finish once a stop is asked for.
    pub grace: Duration,
}

/// A TLS acceptor from a PEM certificate chain and its PEM private key (PKCS#8, PKCS#1 or SEC1).
pub fn tls_acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("reading the certificate {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("parsing the certificate {}", cert.display()))?;
    anyhow::ensure!(!chain.is_empty(), "no certificate in {}", cert.display());
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("reading the private key {}", key.display()))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("choosing TLS versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate and the private key do not go together")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in flight finish
/// within the grace period.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    policy: ConnectionPolicy,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(policy.max_connections));
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(policy.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(policy.header_timeout));
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(%error, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics::counter!("yiwang_connections_refused_total").increment(1);
            drop(stream);
            continue;
        };
        let (builder, service, watcher, policy) = (
            builder.clone(),
            TowerToHyperService::new(router.clone()),
            graceful.watcher(),
            policy.clone(),
        );
        tokio::spawn(async move {
            let _permit = permit;
            match policy.tls {
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(policy.header_timeout, acceptor.accept(stream)).await;
                    let Ok(Ok(tls)) = handshake else {
                        return;
                    };
                    let connection =
                        builder.serve_connection_with_upgrades(TokioIo::new(tls), service);
                    let _ = watcher.watch(connection).await;
                }
                None => {
                    let connection =
                        builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                }
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(policy.grace) => {
            tracing::warn!(grace = ?policy.grace, "requests still in flight after the grace period were cut off");
        }
    }
}
