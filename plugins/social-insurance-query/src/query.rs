//! `query`: the citizen's own contribution record. Access is decided before the registry is read,
//! so a refused query leaves nothing in anyone's data-use ledger.

use yiwang_sdk::form::parse_input;
use yiwang_sdk::{Actor, ItemError};

use crate::access;
use crate::input::QueryInput;
use crate::record;
use crate::statement::Statement;

pub fn query(actor: &Actor, input: &str) -> Result<String, ItemError> {
    let input: QueryInput = parse_input(input)?;
    let id_number = access::subject(actor, input.id_number.as_deref())?;
    let range = input.range()?;
    let statement = match record::lookup(id_number)? {
        Some(record) => Statement::of(record, range),
        None => Statement::empty(&actor.name),
    };
    serde_json::to_string(&statement)
        .map_err(|error| ItemError::failed(format!("statement: {error}")))
}
