//! The listener: a small tokio runtime, one task per connection, an optional TLS handshake
//! (rustls) with a deadline, HTTP/1.1 with a deadline on the request head, a cap on open
//! connections, and a graceful stop on SIGTERM/SIGINT (no new connections; open ones get a
//! few seconds to finish).

use crate::api::{AppState, router};
use crate::auth::Tokens;
use crate::metrics::Metrics;
use crate::pool::Pool;
use crate::{Backend, Config, Error};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);
const HEAD_DEADLINE: Duration = Duration::from_secs(30);
const GRACE: Duration = Duration::from_secs(10);

/// Serves until SIGTERM or SIGINT. `ready` is called with the bound address (port 0 picks one)
/// once the listener accepts connections.
pub fn run(
    config: Config,
    backend: Arc<dyn Backend>,
    ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), Error> {
    let tls = match &config.tls {
        Some((cert, key)) => Some(tls_acceptor(cert, key)?),
        None => None,
    };
    let pool = Arc::new(Pool::open(config.store.clone(), config.pool)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().min(4)))
        .max_blocking_threads(config.pool + config.max_scans + 8)
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let state = Arc::new(AppState {
        scans: Semaphore::new(config.max_scans.max(1)),
        uploads: Arc::new(Semaphore::new(config.max_uploads.max(1))),
        config,
        pool,
        tokens: Tokens::new(),
        backend,
        metrics: Metrics::default(),
    });
    runtime.block_on(async move {
        let listen = state.config.listen;
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| Error::Listen(listen, e))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Error::Listen(listen, e))?;
        ready(bound);
        let connections = Arc::new(Semaphore::new(state.config.max_connections.max(1)));
        let app = router(state.clone());
        let stop = shutdown_signal();
        tokio::pin!(stop);
        loop {
            let permit = tokio::select! {
                _ = &mut stop => break,
                p = connections.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
            };
            let (stream, _peer) = tokio::select! {
                _ = &mut stop => break,
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    // EMFILE and the like: back off instead of spinning.
                    Err(e) => {
                        eprintln!("drydock server: warning: accept: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            let _ = stream.set_nodelay(true);
            let app = app.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let _permit = permit;
                let service = TowerToHyperService::new(app);
                let mut http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                http.http1()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEAD_DEADLINE)
                    .max_buf_size(64 << 10);
                let http = http.http1_only();
                match tls {
                    Some(acceptor) => {
                        let Ok(Ok(stream)) =
                            tokio::time::timeout(HANDSHAKE_DEADLINE, acceptor.accept(stream)).await
                        else {
                            return;
                        };
                        let _ = http.serve_connection(TokioIo::new(stream), service).await;
                    }
                    None => {
                        let _ = http.serve_connection(TokioIo::new(stream), service).await;
                    }
                }
            });
        }
        // Let open connections finish, a while.
        let all = u32::try_from(state.config.max_connections.max(1)).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(GRACE, connections.acquire_many(all)).await;
        Ok(())
    })
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
}

fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, Error> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| Error::Tls(format!("{}: {e}", cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Tls(format!("{}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(Error::Tls(format!(
            "{}: no PEM certificate in it",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| Error::Tls(format!("{}: no usable PEM private key: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| Error::Tls(format!("certificate and key: {e}")))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
