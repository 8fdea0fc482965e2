//! Building and running the server: `Application::build(settings)` opens storage, loads the
//! items of `plugins.toml` and binds the listener (port 0 in tests); `run_until_stopped` serves
//! until the shutdown future resolves, then closes storage.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{NotifyChannel, Settings};
use crate::domain::attachments::{AttachmentLimits, Attachments, MAX_ATTACHMENTS_PER_CASE};
use crate::domain::batch::Batch;
use crate::domain::calendar::Calendar;
use crate::domain::cases::Cases;
use crate::domain::departments::Departments;
use crate::domain::items::Items;
use crate::domain::me::Me;
use crate::domain::stats::Stats;
use crate::http::{self, AppState};
use crate::outbox::{Channel, Dispatcher, LogChannel, RetryPolicy, WebhookChannel};
use crate::runtime::Runtime;
use crate::storage::Storage;

pub struct Application {
    listener: TcpListener,
    port: u16,
    router: Router,
    storage: Storage,
    dispatcher: Dispatcher,
    items: Arc<Items>,
    plugins: std::path::PathBuf,
    policy: http::server::ConnectionPolicy,
}

/// The process-wide metrics recorder; several applications in one process (tests) share it.
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (an embedding program); ours then only renders.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "creating the data directory {}",
                settings.data_dir.display()
            )
        })?;
        let storage = Storage::connect(&settings.database_url()).await?;
        let interrupted = storage.interrupt_batch_jobs().await?;
        if interrupted > 0 {
            tracing::warn!(
                jobs = interrupted,
                "batch jobs cut short when the server last stopped are marked interrupted"
            );
        }
        let runtime = Runtime::new(settings.cache_dir(), Arc::new(storage.clone()))?;
        let items = Arc::new(Items::new(
            runtime.clone(),
            storage.clone(),
            &settings.data_dir,
            settings.max_component_bytes,
        )?);
        // Entries that fail their checks are logged and audited; the other items are served.
        items.apply_plugins_file(&settings.plugins).await?;
        let calendar = Calendar::new(&settings.holidays, &settings.extra_workdays)?;
        let stats = Arc::new(Stats::new(storage.clone(), items.clone(), calendar.clone()));
        let cases = Arc::new(Cases::new(
            storage.clone(),
            runtime,
            items.clone(),
            calendar,
        ));
        let attachment_limits = AttachmentLimits {
            max_bytes: settings.max_attachment_bytes,
            max_per_case: MAX_ATTACHMENTS_PER_CASE,
        };
        let state = AppState {
            storage: storage.clone(),
            items: items.clone(),
            attachments: Arc::new(Attachments::new(
                storage.clone(),
                cases.clone(),
                items.clone(),
                attachment_limits,
            )),
            batch: Arc::new(Batch::new(cases.clone(), items.clone(), storage.clone())),
            departments: Arc::new(Departments::new(storage.clone())),
            me: Arc::new(Me::new(storage.clone())),
            cases,
            stats,
            token_ttl_hours: settings.token_ttl_hours,
            metrics: metrics_handle(),
        };
        let tls = match &settings.tls {
            Some((cert, key)) => Some(http::server::tls_acceptor(cert, key)?),
            None => None,
        };
        let router =
            http::app_router(state).layer(axum::Extension(crate::http::session::CookiePolicy {
                // Served over TLS here, or behind a TLS proxy that the admin vouches for.
                secure: settings.secure_cookies || tls.is_some(),
            }));
        // A request that takes longer (a body trickled in, say) is answered 408 and dropped.
        let router = router.layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ));
        // The web's form layer reads an upload within its file's limit before any handler runs.
        let router = router.layer(axum::Extension(attachment_limits));
        let router = router.layer(axum::Extension(crate::http::ComponentLimit(
            settings.max_component_bytes,
        )));
        let listener = TcpListener::bind(&settings.listen)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let connections = http::server::ConnectionPolicy {
            tls,
            header_timeout: settings.header_timeout,
            max_connections: settings.max_connections,
            grace: settings.shutdown_grace,
        };
        let channel: Arc<dyn Channel> = match &settings.notify {
            NotifyChannel::Log => Arc::new(LogChannel),
            NotifyChannel::Webhook { url, secret } => {
                Arc::new(WebhookChannel::new(url.clone(), secret.clone())?)
            }
        };
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(settings.notify_retry_base_ms),
            poll: Duration::from_millis(settings.notify_retry_base_ms.clamp(50, 500)),
            ..RetryPolicy::default()
        };
        let dispatcher = Dispatcher::new(storage.clone(), channel, policy);
        Ok(Application {
            listener,
            port,
            router,
            storage,
            dispatcher,
            items,
            plugins: settings.plugins.clone(),
            policy: connections,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `https` when this server terminates TLS itself.
    pub fn scheme(&self) -> &'static str {
        if self.policy.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    pub fn storage(&self) -> Storage {
        self.storage.clone()
    }

    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(port = self.port, "serving");
        let (stop, stopped) = watch::channel(false);
        let watcher = tokio::spawn(crate::watch::run(
            self.items.clone(),
            self.plugins.clone(),
            stopped.clone(),
        ));
        let follower = tokio::spawn(crate::watch::follow_other_hosts(
            self.items.clone(),
            self.storage.clone(),
            stopped.clone(),
        ));
        let grace = self.policy.grace;
        let dispatcher = tokio::spawn(self.dispatcher.run(stopped));
        let shutdown = async move {
            shutdown.await;
            tracing::info!(
                ?grace,
                "stopping: no new connections, finishing requests in flight"
            );
            let _ = stop.send(true);
        };
        http::server::serve(self.listener, self.router, self.policy, shutdown).await;
        // The dispatcher stops between notifications; one it was sending is retried after a restart.
        let _ = dispatcher.await;
        let _ = watcher.await;
        let _ = follower.await;
        self.storage.close().await;
        Ok(())
    }
}
