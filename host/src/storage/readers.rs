//! The connections reads run on.
//!
//! On SQLite they are kept here rather than in a sqlx pool. sqlx runs each SQLite connection on
//! a worker thread of its own, and its pool pings a connection every time one is handed back (a
//! task spawned for it, and a round trip to the worker thread): on a read of one row that was as
//! much work again as the read. A local file does not go stale, so a connection handed back
//! here goes straight to the idle list. A read cancelled half-way leaves its connection usable:
//! the worker thread finishes or drops the statement before it takes the next one.
//!
//! On PostgreSQL reads take a connection of the shared pool, which checks it on the way back (a
//! connection to a server can break).

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Connection};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::prepare_sqlite;

/// How long a read waits for a free connection before it fails.
pub(super) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub(super) enum Readers {
    Pool(AnyPool),
    Kept(Arc<Kept>),
}

pub(super) struct Kept {
    idle: Mutex<Vec<AnyConnection>>,
    free: Arc<Semaphore>,
}

impl Readers {
    /// `count` SQLite connections, with the pragmas every connection has.
    pub(super) async fn open_sqlite(
        options: &AnyConnectOptions,
        count: usize,
    ) -> sqlx::Result<Readers> {
        let mut idle = Vec::with_capacity(count);
        for _ in 0..count {
            let mut conn = options.connect().await?;
            prepare_sqlite(&mut conn).await?;
            idle.push(conn);
        }
        Ok(Readers::Kept(Arc::new(Kept {
            idle: Mutex::new(idle),
            free: Arc::new(Semaphore::new(count)),
        })))
    }

    /// A connection for a read, waiting up to [`ACQUIRE_TIMEOUT`] for one to be free.
    pub(super) async fn get(&self) -> sqlx::Result<Reader> {
        let kept = match self {
            Readers::Pool(pool) => return Ok(Reader::Pooled(pool.acquire().await?)),
            Readers::Kept(kept) => kept,
        };
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, kept.free.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let conn = kept
            .idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .ok_or(sqlx::Error::PoolClosed)?;
        Ok(Reader::Kept {
            conn: Some(conn),
            home: kept.clone(),
            _permit: permit,
        })
    }

    /// Closes the idle connections and lets no read start after.
    pub(super) async fn close(&self) {
        match self {
            Readers::Pool(pool) => pool.close().await,
            Readers::Kept(kept) => {
                kept.free.close();
                let idle =
                    std::mem::take(&mut *kept.idle.lock().unwrap_or_else(|e| e.into_inner()));
                for conn in idle {
                    let _ = conn.close().await;
                }
            }
        }
    }
}

/// A connection lent for reads; handed back when dropped.
pub(super) enum Reader {
    Pooled(PoolConnection<Any>),
    Kept {
        conn: Option<AnyConnection>,
        home: Arc<Kept>,
        // Dropped after `drop` below has put the connection back.
        _permit: OwnedSemaphorePermit,
    },
}

impl Deref for Reader {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Reader::Pooled(conn) => conn,
            Reader::Kept { conn, .. } => conn.as_ref().expect("a lent connection"),
        }
    }
}

impl DerefMut for Reader {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Reader::Pooled(conn) => conn,
            Reader::Kept { conn, .. } => conn.as_mut().expect("a lent connection"),
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Reader::Kept { conn, home, .. } = self
            && let Some(conn) = conn.take()
        {
            home.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(conn);
        }
    }
}
