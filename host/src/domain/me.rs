//! A citizen's own records: their applications, the certificates they hold, who read their data
//! in the shared registries, and the messages sent to them. Reads only, and only the caller's
//! own: each list is chosen by the actor's id or ID number, never by a parameter.

use crate::model::actor::Actor;
use crate::model::effects::Certificate;
use crate::storage::{CaseSummary, DataUseRow, NotificationRow, Storage};

use super::error::Result;

/// How many rows a list returns at most.
pub const LIST_LIMIT: i64 = 500;

pub struct Me {
    storage: Storage,
}

impl Me {
    pub fn new(storage: Storage) -> Me {
        Me { storage }
    }

    /// The citizen's applications, newest first.
    pub async fn applications(&self, me: &Actor) -> Result<Vec<CaseSummary>> {
        Ok(self.storage.cases_of_applicant(me.user_id()?).await?)
    }

    /// Certificates held under the citizen's ID number (none without one).
    pub async fn certificates(&self, me: &Actor) -> Result<Vec<Certificate>> {
        match &me.id_number {
            Some(id_number) => Ok(self.storage.certificates_of_holder(id_number, None).await?),
            None => Ok(Vec::new()),
        }
    }

    /// Every read of a registry record about the citizen (数据使用记录), newest first.
    pub async fn data_use(&self, me: &Actor) -> Result<Vec<DataUseRow>> {
        match &me.id_number {
            Some(id_number) => Ok(self
                .storage
                .data_use_of_subject(id_number, LIST_LIMIT)
                .await?),
            None => Ok(Vec::new()),
        }
    }

    /// Messages to the citizen (the app channel of the outbox), newest first.
    pub async fn notifications(&self, me: &Actor) -> Result<Vec<NotificationRow>> {
        Ok(self
            .storage
            .notifications_of(me.user_id()?, LIST_LIMIT)
            .await?)
    }
}
