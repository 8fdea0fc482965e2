//! Typed look-ups in the shared registries (`registries.lookup`), so that an item reads a record
//! into its own struct and gets one error type for a refused call and a malformed record alike.

use serde::de::DeserializeOwned;

use crate::{ItemError, registries};

/// The record with `key` in `dataset`, parsed as `T`, or none. `purpose` is shown to the citizen
/// in the data-use ledger. A host error or a record that does not fit `T` is an
/// [`ItemError::Failed`] naming the dataset.
pub fn lookup<T: DeserializeOwned>(
    dataset: &str,
    key: &str,
    purpose: &str,
) -> Result<Option<T>, ItemError> {
    let call = format!("registries.lookup({dataset})");
    let Some(json) =
        registries::lookup(dataset, key, purpose).map_err(|error| ItemError::host(&call, error))?
    else {
        return Ok(None);
    };
    serde_json::from_str(&json)
        .map(Some)
        .map_err(|error| ItemError::Failed(format!("{call}: malformed record: {error}")))
}
