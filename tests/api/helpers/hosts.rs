//! Several hosts on one database: [`OtherHost`] is a second host on a [`TestApp`]'s PostgreSQL
//! schema, with a data directory of its own, as a second machine behind the load balancer would be.

use tempfile::TempDir;

use super::fixtures::write_plugins_toml;
use super::{Server, TestApp, start};

/// Another host on the same database as a [`TestApp`], with a data directory of its own: what a
/// second machine behind the load balancer would be. Stops when dropped.
pub struct OtherHost {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// Kept for as long as the host runs.
    _data_dir: TempDir,
    _server: Server,
}

impl OtherHost {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl TestApp {
    /// Starts another host on this app's database (PostgreSQL: several hosts share it).
    pub async fn another_host(&self) -> OtherHost {
        assert!(
            self.on_postgres(),
            "several hosts share a PostgreSQL database only"
        );
        let data_dir = tempfile::Builder::new()
            .prefix("yiwang-api-host2-")
            .tempdir()
            .expect("creating the data dir");
        write_plugins_toml(data_dir.path());
        let (server, port, _) = start(data_dir.path(), &self.database, &self.configure).await;
        OtherHost {
            address: format!("http://127.0.0.1:{port}"),
            _data_dir: data_dir,
            _server: server,
        }
    }
}
