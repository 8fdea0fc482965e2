//! Item changes that do not come through this host's API: the admin's file and other hosts.
//!
//! The host watches `plugins.toml` and the component files it names (with `notify`), and applies
//! the file again a moment after they change. An edit that fails its checks leaves the item on
//! the version it was serving; the reason is logged and audited by
//! [`Items::apply_plugins_file`]. On PostgreSQL it also follows what other hosts change
//! ([`follow_other_hosts`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::{mpsc, watch};

use crate::config::PluginsFile;
use crate::domain::items::Items;
use crate::storage::ItemChanges;

/// Changes closer together than this are applied once (an editor writes a file in steps, cargo
/// writes several components).
const SETTLE: Duration = Duration::from_millis(200);

/// Watches until `stop` turns true.
pub async fn run(items: Arc<Items>, plugins: PathBuf, mut stop: watch::Receiver<bool>) {
    let plugins = std::path::absolute(&plugins).unwrap_or(plugins);
    let (sender, mut changes) = mpsc::unbounded_channel();
    let mut watcher = match watcher(sender) {
        Ok(watcher) => watcher,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "cannot watch plugins.toml; changes need a restart");
            return;
        }
    };
    let mut watched = BTreeSet::new();
    let mut files = watch_files(&mut watcher, &mut watched, &plugins);
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            event = changes.recv() => {
                let Some(paths) = event else { return };
                if !touches(&paths, &files) {
                    continue;
                }
            }
        }
        // Let the writer finish, and take everything it did as one change.
        tokio::time::sleep(SETTLE).await;
        while changes.try_recv().is_ok() {}
        tracing::info!(file = %plugins.display(), "plugins.toml or a component changed; applying");
        match items.apply_plugins_file(&plugins).await {
            Ok(failures) if failures.is_empty() => {}
            Ok(failures) => {
                tracing::warn!(
                    count = failures.len(),
                    "some entries were refused; those items keep their version"
                );
            }
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "plugins.toml not applied; every item keeps its version");
            }
        }
        files = watch_files(&mut watcher, &mut watched, &plugins);
    }
}

fn watcher(sender: mpsc::UnboundedSender<Vec<PathBuf>>) -> anyhow::Result<RecommendedWatcher> {
    notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !event.kind.is_access()
        {
            let _ = sender.send(event.paths);
        }
    })
    .context("starting the file watcher")
}

/// Watches the directories of `plugins.toml` and of every component it names (a file replaced by
/// rename is only seen through its directory). Returns the files that matter.
fn watch_files(
    watcher: &mut RecommendedWatcher,
    watched: &mut BTreeSet<PathBuf>,
    plugins: &Path,
) -> BTreeSet<PathBuf> {
    let mut files = BTreeSet::from([plugins.to_path_buf()]);
    if let Ok(file) = PluginsFile::load(plugins) {
        for entry in file.items.values() {
            let path = PluginsFile::component_path(plugins, entry);
            files.insert(std::path::absolute(&path).unwrap_or(path));
        }
    }
    for file in &files {
        let Some(dir) = file.parent() else { continue };
        if watched.contains(dir) {
            continue;
        }
        match watcher.watch(dir, RecursiveMode::NonRecursive) {
            Ok(()) => {
                watched.insert(dir.to_path_buf());
            }
            Err(err) => tracing::warn!(dir = %dir.display(), error = %err, "cannot watch"),
        }
    }
    files
}

fn touches(paths: &[PathBuf], files: &BTreeSet<PathBuf>) -> bool {
    paths.iter().any(|path| files.contains(path))
}

/// How often a host re-reads every item, in case a change announcement was missed.
pub const RESYNC_EVERY: Duration = Duration::from_secs(5);

/// Follows the changes other hosts of the deployment make to items (publish, rollback, enable,
/// disable, grants, limits): each is announced over PostgreSQL's LISTEN/NOTIFY and applied here
/// within moments; every [`RESYNC_EVERY`] the host re-reads all items anyway, in case an
/// announcement was lost with its connection. Does nothing on SQLite, where one host owns the
/// database. Runs until `stop` turns true.
pub async fn follow_other_hosts(
    items: Arc<Items>,
    storage: crate::storage::Storage,
    mut stop: watch::Receiver<bool>,
) {
    let mut changes = match storage.item_changes().await {
        Ok(Some(changes)) => Some(changes),
        Ok(None) => return,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "cannot listen for other hosts' item changes; re-syncing every few seconds only");
            None
        }
    };
    let mut resync = tokio::time::interval(RESYNC_EVERY);
    resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = resync.tick() => {
                if let Err(err) = items.resync().await {
                    tracing::warn!(error = %format!("{err:#}"), "item re-sync failed");
                }
            }
            change = next_change(&mut changes) => match change {
                Ok(code) => {
                    if let Err(err) = items.refresh(&code).await {
                        tracing::error!(item = %code, error = %format!("{err:#}"), "item change not applied");
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), "item change announcements interrupted; re-syncing");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    resync.reset_immediately();
                }
            },
        }
    }
}

/// The next announced change; never, without a listening connection.
async fn next_change(changes: &mut Option<ItemChanges>) -> anyhow::Result<String> {
    match changes {
        Some(changes) => changes.next().await,
        None => std::future::pending().await,
    }
}
