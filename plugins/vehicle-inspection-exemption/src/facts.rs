//! The facts the rules need, read from the registries other departments share. Every read lands in
//! the data-use ledger the vehicle owner sees, so a purpose is always given, and nothing more is
//! read once the vehicle is known not to exist or not to be the requester's.

use serde::Deserialize;
use yiwang_sdk::date::Date;
use yiwang_sdk::{ItemError, registry};

pub const VEHICLE_REGISTRY: &str = "vehicle-registry";
pub const VEHICLE_INSURANCE: &str = "vehicle-insurance";
pub const TRAFFIC_VIOLATIONS: &str = "traffic-violations";

/// A `vehicle-registry` record (机动车登记信息).
#[derive(Debug, Clone, Deserialize)]
pub struct Vehicle {
    pub plate_number: String,
    pub vin: String,
    pub owner_id_number: String,
    /// `small-passenger-car`, `mini-passenger-car`, `small-van` …
    pub vehicle_type: String,
    /// `non-operating`, `operating` …
    pub use_nature: String,
    pub registered_on: Date,
}

/// A `vehicle-insurance` record (交强险投保信息).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Insurance {
    #[serde(default)]
    pub compulsory_valid_until: Option<Date>,
}

/// A `traffic-violations` record (交通违法和事故处理情况). No record means a clean history.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Violations {
    #[serde(default)]
    pub unhandled_violations: u32,
    #[serde(default)]
    pub unhandled_accidents: u32,
    #[serde(default)]
    pub casualty_accidents: u32,
}

/// What the registries say about one plate.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub vehicle: Option<Vehicle>,
    pub insurance: Option<Insurance>,
    pub violations: Option<Violations>,
}

impl Vehicle {
    /// Whether the person with `id_number` is the registered owner.
    pub fn is_owned_by(&self, id_number: Option<&str>) -> bool {
        id_number.is_some_and(|id_number| id_number.eq_ignore_ascii_case(&self.owner_id_number))
    }

    /// The `vehicle-registry` record for `plate_number`; `occasion` prefixes the purpose shown in
    /// the ledger (`新车6年免检申领`).
    pub fn lookup(plate_number: &str, occasion: &str) -> Result<Option<Self>, ItemError> {
        registry::lookup(
            VEHICLE_REGISTRY,
            plate_number,
            &format!("{occasion}：核验机动车登记信息"),
        )
    }
}

impl Facts {
    /// Everything the rules need about the vehicle `plate_number`, as far as `requester` may see
    /// it: insurance and violations are read only for the registered owner, so a stranger's
    /// application reads, and learns, nothing beyond the vehicle record.
    pub fn gather(
        plate_number: &str,
        occasion: &str,
        requester: Option<&str>,
    ) -> Result<Self, ItemError> {
        match Vehicle::lookup(plate_number, occasion)? {
            None => Ok(Self::default()),
            Some(vehicle) if !vehicle.is_owned_by(requester) => Ok(Self {
                vehicle: Some(vehicle),
                ..Self::default()
            }),
            Some(vehicle) => Self::about(vehicle, occasion),
        }
    }

    /// The insurance and violations records of a vehicle whose owner is asking.
    pub fn about(vehicle: Vehicle, occasion: &str) -> Result<Self, ItemError> {
        let plate_number = vehicle.plate_number.as_str();
        let insurance = registry::lookup(
            VEHICLE_INSURANCE,
            plate_number,
            &format!("{occasion}：核验交强险投保信息"),
        )?;
        let violations = registry::lookup(
            TRAFFIC_VIOLATIONS,
            plate_number,
            &format!("{occasion}：核验交通违法和交通事故处理情况"),
        )?;
        Ok(Self {
            vehicle: Some(vehicle),
            insurance,
            violations,
        })
    }
}
