//! What a test arranges before it acts: the admin's `plugins.toml`, the vehicle item's form and the
//! registry records behind it, citizens, staff and departments, well-formed ID numbers and dates,
//! and the bytes of guest components, crafted variants and scanned materials.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use yiwang_host::admin::{self, NewUser};
use yiwang_host::model::actor::Role;

use super::{
    CITIZEN_ID, CITIZEN_NAME, DEEP_RECURSION_ITEM, DEPARTMENT, ELIGIBLE_PLATE, ELIGIBLE_VIN_LAST6,
    ENTERPRISE_ITEM, HOST_CALL_FLOOD_ITEM, HUGE_OUTPUT_ITEM, INFINITE_LOOP_ITEM, MEMORY_HOG_ITEM,
    OTHER_ITEMS_RECORDS_ITEM, PANICS_ITEM, PASSWORD, SCHOOL_ITEM, SOCIAL_INSURANCE_ITEM, TestApp,
    UNGRANTED_CERTIFICATE_ITEM, UNGRANTED_LOOKUP_ITEM, VEHICLE_ITEM, WALL_CLOCK_BURN_ITEM,
    workspace_root,
};

/// A guest component built by `cargo xtask build`.
pub fn component(name: &str) -> PathBuf {
    let path = workspace_root()
        .join("target/wasm32-wasip2/guest")
        .join(format!("{name}.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo xtask build` first",
        path.display()
    );
    path
}

/// The admin's `plugins.toml`: the vehicle item with what it needs, the hostile test items
/// with tight limits and only the grants their READMEs name, and the social-insurance query and enterprise
/// registration items with the grants their READMEs give.
pub(super) fn write_plugins_toml(data_dir: &Path) {
    let vehicle = toml_string(&component("yiwang_item_vehicle_inspection_exemption"));
    let infinite_loop = toml_string(&component("yiwang_test_infinite_loop"));
    let memory_hog = toml_string(&component("yiwang_test_memory_hog"));
    let deep_recursion = toml_string(&component("yiwang_test_deep_recursion"));
    let panics = toml_string(&component("yiwang_test_panics"));
    let huge_output = toml_string(&component("yiwang_test_huge_output"));
    let host_call_flood = toml_string(&component("yiwang_test_host_call_flood"));
    let ungranted_lookup = toml_string(&component("yiwang_test_ungranted_lookup"));
    let other_items_records = toml_string(&component("yiwang_test_other_items_records"));
    let wall_clock_burn = toml_string(&component("yiwang_test_wall_clock_burn"));
    let ungranted_certificate = toml_string(&component("yiwang_test_ungranted_certificate"));
    let social_insurance = toml_string(&component("yiwang_item_social_insurance_query"));
    let enterprise = toml_string(&component("yiwang_item_enterprise_registration"));
    let school = toml_string(&component("yiwang_item_school_points_enrollment"));
    let text = format!(
        r#"[items.{VEHICLE_ITEM}]
component = {vehicle}
department = "{DEPARTMENT}"
enabled = true
grants = {{ registries = ["vehicle-registry", "vehicle-insurance", "traffic-violations"], certificates_issue = ["inspection-mark"], notify = true, delivery = true }}
limits = {{ memory_mib = 64, cpu_ms = 1000, wall_ms = 5000 }}

[items.{INFINITE_LOOP_ITEM}]
component = {infinite_loop}
department = "test-lab"
limits = {{ memory_mib = 32, cpu_ms = 200, wall_ms = 2000 }}

[items.{MEMORY_HOG_ITEM}]
component = {memory_hog}
department = "test-lab"
limits = {{ memory_mib = 32, cpu_ms = 2000, wall_ms = 5000 }}

[items.{DEEP_RECURSION_ITEM}]
component = {deep_recursion}
department = "test-lab"
limits = {{ memory_mib = 32, cpu_ms = 1000, wall_ms = 5000 }}

[items.{PANICS_ITEM}]
component = {panics}
department = "test-lab"
limits = {{ memory_mib = 32, cpu_ms = 200, wall_ms = 2000 }}

[items.{HUGE_OUTPUT_ITEM}]
component = {huge_output}
department = "test-lab"
limits = {{ memory_mib = 64, cpu_ms = 2000, wall_ms = 5000, output_bytes = 65536 }}

[items.{HOST_CALL_FLOOD_ITEM}]
component = {host_call_flood}
department = "test-lab"
grants = {{ log = true }}
limits = {{ memory_mib = 32, cpu_ms = 1000, wall_ms = 5000, host_calls = 100 }}

[items.{UNGRANTED_LOOKUP_ITEM}]
component = {ungranted_lookup}
department = "test-lab"
grants = {{ registries = ["vehicle-registry"] }}
limits = {{ memory_mib = 32, cpu_ms = 200, wall_ms = 2000 }}

[items.{OTHER_ITEMS_RECORDS_ITEM}]
component = {other_items_records}
department = "test-lab"
grants = {{ records = true }}
limits = {{ memory_mib = 32, cpu_ms = 200, wall_ms = 2000 }}

[items.{WALL_CLOCK_BURN_ITEM}]
component = {wall_clock_burn}
department = "test-lab"
grants = {{ records = true }}
limits = {{ memory_mib = 32, cpu_ms = 5000, wall_ms = 300, host_calls = 1000000000 }}

[items.{UNGRANTED_CERTIFICATE_ITEM}]
component = {ungranted_certificate}
department = "test-lab"
grants = {{ certificates_read = ["business-license"] }}
limits = {{ memory_mib = 32, cpu_ms = 200, wall_ms = 2000 }}

[items.{SOCIAL_INSURANCE_ITEM}]
component = {social_insurance}
department = "dongguan-social-insurance"
enabled = true
grants = {{ registries = ["social-insurance"] }}
limits = {{ memory_mib = 64, cpu_ms = 1000, wall_ms = 5000 }}

[items.{ENTERPRISE_ITEM}]
component = {enterprise}
department = "dongguan-market-regulation"
enabled = true
grants = {{ certificates_issue = ["business-license"], certificates_read = ["business-license"], notify = true }}
limits = {{ memory_mib = 64, cpu_ms = 1000, wall_ms = 5000 }}

[items.{SCHOOL_ITEM}]
component = {school}
department = "dongguan-education"
enabled = true
grants = {{ registries = ["residence-permits", "social-insurance", "tax-records", "property-records"], records = true, notify = true }}
limits = {{ memory_mib = 128, cpu_ms = 2000, wall_ms = 10000, host_calls = 20 }}
"#
    );
    std::fs::write(data_dir.join("plugins.toml"), text).expect("writing plugins.toml");
}

/// The test `plugins.toml` in `dir`, for a host run as a process of its own.
pub fn write_test_plugins_toml(dir: &Path) {
    write_plugins_toml(dir);
}

/// A TOML basic string holding `path`.
fn toml_string(path: &Path) -> String {
    let text = path.to_str().expect("component paths are UTF-8");
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

// --- the vehicle item's form and registry records

/// The vehicle item's application form, filled in by the owner.
fn vehicle_form(
    plate: &str,
    vin_last6: &str,
    owner_name: &str,
    owner_id_number: &str,
    wants_paper_mark: bool,
) -> Value {
    json!({
        "plate_number": plate,
        "vin_last6": vin_last6,
        "owner_name": owner_name,
        "owner_id_number": owner_id_number,
        "phone": "13800138000",
        "mailing_address": "广东省东莞市南城街道鸿福路99号",
        "wants_paper_mark": wants_paper_mark,
    })
}

/// 张三's form for his eligible car.
pub fn eligible_form(wants_paper_mark: bool) -> Value {
    vehicle_form(
        ELIGIBLE_PLATE,
        ELIGIBLE_VIN_LAST6,
        CITIZEN_NAME,
        CITIZEN_ID,
        wants_paper_mark,
    )
}

/// What the shared registries say about a vehicle: one record in each of the three datasets the
/// vehicle item reads. Start from [`Vehicle::eligible`] and break one fact.
#[derive(Clone, Debug)]
pub struct Vehicle {
    pub plate: String,
    /// 17 characters; the form gives the last six.
    pub vin: String,
    /// The registered owner's identity card number.
    pub owner_id: String,
    pub owner_name: String,
    /// 小型载客汽车 is `small-passenger-car`.
    pub vehicle_type: String,
    /// 非营运 is `non-operating`.
    pub use_nature: String,
    pub registered_on: String,
    /// `None`: no compulsory-insurance record at all.
    pub insured_until: Option<String>,
    pub unhandled_violations: u32,
    pub unhandled_accidents: u32,
    /// Accidents with people hurt or killed, handled or not.
    pub casualty_accidents: u32,
}

impl Vehicle {
    /// A clean, insured, non-operating small passenger car registered two years ago.
    pub fn eligible(plate: &str, vin: &str, owner_id: &str, owner_name: &str) -> Vehicle {
        assert_eq!(vin.len(), 17, "a VIN has 17 characters");
        Vehicle {
            plate: plate.into(),
            vin: vin.into(),
            owner_id: owner_id.into(),
            owner_name: owner_name.into(),
            vehicle_type: "small-passenger-car".into(),
            use_nature: "non-operating".into(),
            registered_on: days_from_today(-2 * 365),
            insured_until: Some(days_from_today(200)),
            unhandled_violations: 0,
            unhandled_accidents: 0,
            casualty_accidents: 0,
        }
    }

    pub fn vin_last6(&self) -> &str {
        &self.vin[self.vin.len() - 6..]
    }

    /// The form its registered owner fills in.
    pub fn form(&self, wants_paper_mark: bool) -> Value {
        vehicle_form(
            &self.plate,
            self.vin_last6(),
            &self.owner_name,
            &self.owner_id,
            wants_paper_mark,
        )
    }
}

/// `YYYY-MM-DD`, `days` from today in the deployment's time zone (Asia/Shanghai, UTC+8).
pub fn days_from_today(days: i64) -> String {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    (today + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// A well-formed resident identity card number (check digit included) for test person `n`.
pub fn id_number(n: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("44190019850101{:03}", n % 1000);
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

impl TestApp {
    /// Writes the vehicle's records into the shared registries, as the departments' data exchange
    /// would.
    pub async fn register_vehicle(&self, vehicle: &Vehicle) {
        let owner = Some(vehicle.owner_id.as_str());
        let registration = json!({
            "plate_number": vehicle.plate,
            "vin": vehicle.vin,
            "owner_name": vehicle.owner_name,
            "owner_id_number": vehicle.owner_id,
            "vehicle_type": vehicle.vehicle_type,
            "use_nature": vehicle.use_nature,
            "registered_on": vehicle.registered_on,
            "status": "normal",
        });
        admin::put_registry_record(
            &self.storage,
            "vehicle-registry",
            &vehicle.plate,
            owner,
            registration,
        )
        .await
        .expect("importing the registration");
        if let Some(insured_until) = &vehicle.insured_until {
            let insurance = json!({
                "plate_number": vehicle.plate,
                "policy_number": format!("PDZA2026441900{}", vehicle.vin_last6()),
                "insurer": "中国人民财产保险股份有限公司东莞市分公司",
                "compulsory_valid_until": insured_until,
            });
            admin::put_registry_record(
                &self.storage,
                "vehicle-insurance",
                &vehicle.plate,
                owner,
                insurance,
            )
            .await
            .expect("importing the insurance");
        }
        let violations = json!({
            "plate_number": vehicle.plate,
            "unhandled_violations": vehicle.unhandled_violations,
            "unhandled_accidents": vehicle.unhandled_accidents,
            "casualty_accidents": vehicle.casualty_accidents,
        });
        admin::put_registry_record(
            &self.storage,
            "traffic-violations",
            &vehicle.plate,
            owner,
            violations,
        )
        .await
        .expect("importing the violations");
    }

    /// `count` fresh citizens, each owning an eligible car and logged in on a token of their own.
    /// `series` (1 to 9) keeps logins, ID numbers and plates apart between tests.
    pub async fn citizens_with_eligible_vehicles(
        &self,
        count: u32,
        series: u32,
    ) -> Vec<(String, Vehicle)> {
        let mut citizens = Vec::new();
        for n in 0..count {
            let login = format!("citizen.{series}.{n}");
            let id = id_number(series * 100 + n);
            self.add_citizen(&login, &format!("市民{n}"), &id).await;
            let vehicle = Vehicle::eligible(
                &format!("粤S{series}{n}0{n}8"),
                &format!("LSVAU2180N{series}{n}5432{n}"),
                &id,
                "市民",
            );
            self.register_vehicle(&vehicle).await;
            citizens.push((self.login(&login, PASSWORD).await, vehicle));
        }
        citizens
    }
}

// --- people and departments

impl TestApp {
    /// Adds a citizen with the demo password and returns their user id.
    pub async fn add_citizen(&self, login: &str, name: &str, id_number: &str) -> i64 {
        self.add_user(login, Role::Citizen, None, name, Some(id_number))
            .await
    }

    pub async fn add_user(
        &self,
        login: &str,
        role: Role,
        department: Option<&str>,
        name: &str,
        id_number: Option<&str>,
    ) -> i64 {
        let user = NewUser {
            login: login.into(),
            password: PASSWORD.into(),
            role,
            department: department.map(Into::into),
            name: name.into(),
            id_number: id_number.map(Into::into),
        };
        admin::add_user(&self.storage, user)
            .await
            .expect("adding a user")
    }

    /// Registers a department (the demo data has only the vehicle office).
    pub async fn add_department(&self, code: &str, name: &str) {
        self.storage
            .put_department(code, name)
            .await
            .expect("adding a department");
    }

    /// Registers a department with a fresh Ed25519 signing key; returns the private key.
    pub async fn department_with_key(&self, code: &str, name: &str) -> ed25519_dalek::SigningKey {
        let (private, public) = yiwang_host::signing::generate().expect("generating a key");
        self.storage
            .upsert_department(code, name, Some(&public), "test")
            .await
            .expect("adding the department");
        yiwang_host::signing::private_key(&private).expect("reading the key back")
    }
}

// --- component bytes

/// A crafted test artifact built by `cargo xtask build` (`target/wasm32-wasip2/guest/crafted/`).
pub fn crafted(variant: &str) -> Vec<u8> {
    let path = workspace_root()
        .join("target/wasm32-wasip2/guest/crafted")
        .join(format!("{variant}.wasm"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}: run `cargo xtask build` first", path.display()))
}

/// The bytes of a guest component built by `cargo xtask build` (`yiwang_test_panics`, say).
pub fn component_bytes(name: &str) -> Vec<u8> {
    std::fs::read(component(name)).expect("reading the component")
}

// --- scanned materials

/// A one-page PDF, as a scanner writes it (header, catalog, pages, page, trailer).
pub fn minimal_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
}

/// A JPEG: start of image, a JFIF APP0 segment, end of image.
pub fn minimal_jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// A PNG: the signature and the IHDR chunk of a 1×1 RGB image.
pub fn minimal_png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0, 0, 0, 13]);
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
    ]);
    bytes
}
