//! What an item's call did through the host interfaces, buffered by the capabilities and applied
//! by the domain in the same transaction as the case change — or not at all when the call fails.
//! Registry reads are the exception: they happened, so they are always written to the data-use
//! ledger, whether the call succeeded or not.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default)]
pub struct Effects {
    /// Registry reads, for the data-use ledger. Persisted even when the call fails.
    pub data_uses: Vec<DataUse>,
    /// Calls the item's grant did not cover. Persisted (audit) even when the call fails.
    pub denials: Vec<Denial>,
    pub records: Vec<RecordWrite>,
    /// What the call read of its item's records from storage, each key's first read: its record
    /// writes are committed only while the stored values are still these.
    pub record_reads: Vec<RecordWrite>,
    pub certificates: Vec<NewCertificate>,
    pub deliveries: Vec<NewDelivery>,
    pub notifications: Vec<NewNotification>,
    /// Host calls made, all interfaces together.
    pub host_calls: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DataUse {
    pub dataset: String,
    pub key: String,
    /// Whom the record is about (their ID number); `None` when the record was not found.
    pub subject_id: Option<String>,
    pub purpose: String,
    pub found: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Denial {
    /// The host interface (`registries`).
    pub interface: &'static str,
    /// What was asked for (`dataset household-registry`).
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RecordWrite {
    pub key: String,
    /// `None` deletes.
    pub value: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewCertificate {
    pub serial: String,
    pub kind: String,
    pub holder: String,
    /// JSON object.
    pub data: String,
    pub issued_on: String,
    pub valid_until: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryKind {
    /// The courier collects from the applicant.
    Pickup,
    /// The courier delivers to the applicant.
    Shipment,
}

impl DeliveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Pickup => "pickup",
            DeliveryKind::Shipment => "shipment",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewDelivery {
    pub tracking_number: String,
    pub kind: DeliveryKind,
    pub name: String,
    pub phone: String,
    pub address: String,
    pub contents: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewNotification {
    pub subject: String,
    pub body: String,
}

/// A certificate as stored in the licence library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Certificate {
    pub serial: String,
    pub kind: String,
    pub holder: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub issued_on: String,
    pub valid_until: Option<String>,
    pub case_number: Option<String>,
}

/// A record of a shared dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct RegistryRecord {
    pub subject_id: Option<String>,
    /// JSON object.
    pub data: String,
}
