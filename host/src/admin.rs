//! Administrative tasks behind the CLI (and the test helpers): users, registry imports, the
//! demo seed and restoring a backup. Each is idempotent where the CLI promises it.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};

use crate::auth;
use crate::model::actor::Role;
use crate::storage::{
    AuditReport, BackupSummary, NewUserRow, RegistryImport, Storage, check_backup,
};

pub struct NewUser {
    pub login: String,
    pub password: String,
    pub role: Role,
    pub department: Option<String>,
    pub name: String,
    pub id_number: Option<String>,
}

/// Creates a user. Staff need a department; a duplicate login is refused.
pub async fn add_user(storage: &Storage, user: NewUser) -> anyhow::Result<i64> {
    if user.login.trim().is_empty() || user.login.len() > 64 {
        bail!("the login must be 1 to 64 characters");
    }
    if user.password.chars().count() < auth::MIN_PASSWORD_LEN {
        bail!(
            "the password must have at least {} characters",
            auth::MIN_PASSWORD_LEN
        );
    }
    match (user.role, &user.department) {
        (Role::System, _) => bail!("`system` is the platform itself, not an account"),
        (Role::Reviewer | Role::Developer, None) => {
            bail!("reviewers and developers belong to a department (--department)")
        }
        (Role::Reviewer | Role::Developer, Some(code))
            if !storage.department_exists(code).await? =>
        {
            bail!("unknown department `{code}`")
        }
        _ => {}
    }
    if let Some(id) = &user.id_number
        && !is_id_number(id)
    {
        bail!("`{id}` is not an 18-character resident ID number");
    }
    let hash = auth::hash_password(&user.password)?;
    let row = NewUserRow {
        login: user.login.trim(),
        password_hash: &hash,
        role: user.role.as_str(),
        department: user.department.as_deref(),
        name: &user.name,
        id_number: user.id_number.as_deref(),
    };
    match storage.insert_user(&row).await {
        Ok(id) => Ok(id),
        Err(e) if crate::storage::is_unique_violation(&e) => {
            bail!("the login `{}` is taken", user.login)
        }
        Err(e) => Err(e.into()),
    }
}

/// One line of an account import.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportedCitizen {
    login: String,
    name: String,
    id_number: String,
    /// An argon2id PHC string from the system the accounts come from.
    password_hash: String,
}

/// What an account import did.
#[derive(Debug, Default)]
pub struct CitizenImport {
    pub added: u64,
    /// Logins already taken, left as they were.
    pub skipped: u64,
    /// Hashes cheaper than this platform's own.
    pub weaker_hashes: u64,
}

/// Imports citizens' accounts from JSON lines (`{"login", "name", "id_number",
/// "password_hash"}`), as an office brings its existing accounts over from the system it
/// replaces: the passwords stay theirs, as argon2id hashes. Every line is checked before anything
/// is written; a bad line names its number and nothing is imported. `progress` is told the lines
/// written so far.
pub async fn import_citizens(
    storage: &Storage,
    path: &Path,
    progress: impl Fn(u64),
) -> anyhow::Result<CitizenImport> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut citizens = Vec::new();
    let mut summary = CitizenImport::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_no = i + 1;
        let citizen: ImportedCitizen =
            serde_json::from_str(line).with_context(|| format!("line {line_no}"))?;
        if citizen.login.trim().is_empty() || citizen.login.len() > 64 {
            bail!("line {line_no}: the login must be 1 to 64 characters");
        }
        if !is_id_number(&citizen.id_number) {
            bail!(
                "line {line_no}: `{}` is not an 18-character resident ID number",
                citizen.id_number
            );
        }
        if auth::check_imported_hash(&citizen.password_hash)
            .with_context(|| format!("line {line_no}: password_hash"))?
        {
            summary.weaker_hashes += 1;
        }
        citizens.push(citizen);
    }
    let mut written = 0;
    for chunk in citizens.chunks(IMPORT_BATCH) {
        let rows: Vec<NewUserRow<'_>> = chunk
            .iter()
            .map(|c| NewUserRow {
                login: c.login.trim(),
                password_hash: &c.password_hash,
                role: Role::Citizen.as_str(),
                department: None,
                name: &c.name,
                id_number: Some(&c.id_number),
            })
            .collect();
        summary.added += storage.insert_users(&rows).await?;
        written += chunk.len() as u64;
        progress(written);
    }
    summary.skipped = written - summary.added;
    Ok(summary)
}

/// A resident identity number's shape: 17 digits and a digit or X. The check digit is not
/// verified here: identity is the household registry's to vouch for, and the demo data uses a
/// well-known sample number whose check digit does not add up.
pub fn is_id_number(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && (bytes[17].is_ascii_digit() || bytes[17] == b'X')
}

/// Inserts or replaces one registry record.
pub async fn put_registry_record(
    storage: &Storage,
    dataset: &str,
    key: &str,
    subject_id: Option<&str>,
    data: Value,
) -> anyhow::Result<()> {
    if !data.is_object() {
        bail!("a registry record must be a JSON object");
    }
    let record = RegistryImport {
        key: key.to_string(),
        subject_id: subject_id.map(str::to_string),
        data: data.to_string(),
    };
    storage.put_registry_records(dataset, &[record]).await
}

/// Records per transaction during an import.
const IMPORT_BATCH: usize = 1000;

/// Imports a dataset from CSV (a header with `key`, optionally `subject_id`, and data columns;
/// whole numbers and true/false become JSON numbers and booleans) or JSON lines
/// (`{"key", "subject_id", "data": {…}}` per line), chosen by the file's extension.
/// `progress` is told the bytes read so far. Returns the number of records imported.
pub async fn import_registry(
    storage: &Storage,
    dataset: &str,
    path: &Path,
    progress: impl Fn(u64),
) -> anyhow::Result<usize> {
    if !crate::model::catalog::is_code(dataset) {
        bail!("dataset names are kebab-case (`vehicle-registry`)");
    }
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let counted = CountingReader {
        inner: file,
        read: 0,
    };
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let mut batch = Vec::with_capacity(IMPORT_BATCH);
    let mut total = 0;
    if is_csv {
        let mut reader = csv::Reader::from_reader(counted);
        let headers = reader.headers()?.clone();
        let key_at = headers
            .iter()
            .position(|h| h == "key")
            .context("the CSV header has no `key` column")?;
        let subject_at = headers.iter().position(|h| h == "subject_id");
        let mut row = csv::StringRecord::new();
        let mut line = 0;
        while reader
            .read_record(&mut row)
            .with_context(|| format!("CSV record {}", line + 1))?
        {
            line += 1;
            let mut data = Map::new();
            for (i, (name, cell)) in headers.iter().zip(row.iter()).enumerate() {
                if i != key_at && Some(i) != subject_at {
                    data.insert(name.to_string(), csv_value(cell));
                }
            }
            batch.push(RegistryImport {
                key: row.get(key_at).unwrap_or_default().to_string(),
                subject_id: subject_at
                    .and_then(|i| row.get(i))
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                data: Value::Object(data).to_string(),
            });
            if batch.len() == IMPORT_BATCH {
                total += flush(storage, dataset, &mut batch).await?;
                progress(reader.get_ref().read);
            }
        }
        total += flush(storage, dataset, &mut batch).await?;
        progress(reader.get_ref().read);
    } else {
        let mut reader = BufReader::new(counted);
        let mut line = String::new();
        let mut number = 0;
        while reader.read_line(&mut line)? > 0 {
            number += 1;
            if !line.trim().is_empty() {
                let record: Value =
                    serde_json::from_str(&line).with_context(|| format!("line {number}"))?;
                let key = record["key"]
                    .as_str()
                    .with_context(|| format!("line {number}: no string `key`"))?;
                let data = &record["data"];
                if !data.is_object() {
                    bail!("line {number}: `data` must be an object");
                }
                batch.push(RegistryImport {
                    key: key.to_string(),
                    subject_id: record["subject_id"].as_str().map(str::to_string),
                    data: data.to_string(),
                });
            }
            line.clear();
            if batch.len() == IMPORT_BATCH {
                total += flush(storage, dataset, &mut batch).await?;
                progress(reader.get_ref().read);
            }
        }
        total += flush(storage, dataset, &mut batch).await?;
        progress(reader.get_ref().read);
    }
    Ok(total)
}

async fn flush(
    storage: &Storage,
    dataset: &str,
    batch: &mut Vec<RegistryImport>,
) -> anyhow::Result<usize> {
    if batch.iter().any(|r| r.key.is_empty()) {
        bail!("a record has an empty key");
    }
    storage.put_registry_records(dataset, batch).await?;
    let n = batch.len();
    batch.clear();
    Ok(n)
}

fn csv_value(cell: &str) -> Value {
    match cell {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => match cell.parse::<i64>() {
            // Leading zeros are identifiers, not numbers.
            Ok(n) if !(cell.len() > 1 && cell.starts_with('0')) => Value::from(n),
            _ => Value::String(cell.to_string()),
        },
    }
}

struct CountingReader<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

pub const DEMO_PASSWORD: &str = "demo123456";

/// The departments of the shipped items.
pub const DEMO_DEPARTMENTS: [(&str, &str); 12] = [
    (
        "dongguan-vehicle-office",
        "东莞市公安局交通警察支队车辆管理所",
    ),
    ("dongguan-market-regulation", "东莞市市场监督管理局"),
    ("dongguan-tax", "国家税务总局东莞市税务局"),
    ("dongguan-social-insurance", "东莞市社会保障局"),
    ("dongguan-human-resources", "东莞市人力资源局"),
    ("dongguan-customs", "东莞海关"),
    ("dongguan-ciq", "东莞出入境检验检疫局"),
    // The school points enrollment: the education bureau's item, with residence permits
    // (public security, 新莞人服务) and housing reviewing their parts beside tax and social insurance.
    ("dongguan-education", "东莞市教育局"),
    ("dongguan-public-security", "东莞市公安局（新莞人服务管理）"),
    ("dongguan-housing", "东莞市住房和城乡建设局"),
    // The items written in JavaScript (出入境 progress and appointments) and Python (环保举报).
    ("dongguan-exit-entry", "东莞市公安局出入境管理支队"),
    ("dongguan-ecology", "东莞市生态环境局"),
];

/// 张三's social-insurance record, as the social-insurance item documents it.
const DEMO_SOCIAL_INSURANCE: &str =
    include_str!("../../plugins/social-insurance-query/demo/social-insurance.jsonl");
/// 张三's and his spouse 李梅's records in the four registries the school points enrollment
/// scores from, as that item's README documents them (张三's social insurance is above).
/// 张三's exit-entry applications and the key monitored polluters, as the JavaScript and Python
/// items' READMEs document them.
const DEMO_KIT_ITEMS: [(&str, &str); 2] = [
    (
        "exit-entry-applications",
        include_str!("../../plugins/exit-entry-appointment/demo/exit-entry-applications.jsonl"),
    ),
    (
        "pollution-sources",
        include_str!("../../plugins/environment-report/demo/pollution-sources.jsonl"),
    ),
];
const DEMO_SCHOOL_ENROLLMENT: [(&str, &str); 4] = [
    (
        "residence-permits",
        include_str!("../../plugins/school-points-enrollment/demo/residence-permits.jsonl"),
    ),
    (
        "social-insurance",
        include_str!("../../plugins/school-points-enrollment/demo/social-insurance.jsonl"),
    ),
    (
        "tax-records",
        include_str!("../../plugins/school-points-enrollment/demo/tax-records.jsonl"),
    ),
    (
        "property-records",
        include_str!("../../plugins/school-points-enrollment/demo/property-records.jsonl"),
    ),
];
pub const DEMO_COURIER_TOKEN: &str = "demo-courier-token";
pub const DEMO_CITIZEN_ID: &str = "441900199001011234";

/// The demo accounts and registry records of the README. For demonstrations only: every account
/// shares one published password. Running it twice changes nothing.
pub async fn seed_demo(storage: &Storage) -> anyhow::Result<()> {
    for (code, name) in DEMO_DEPARTMENTS {
        storage.put_department(code, name).await?;
    }
    let mut users = vec![
        ("admin", Role::Admin, None, "平台管理员", None),
        (
            "zhang.san",
            Role::Citizen,
            None,
            "张三",
            Some(DEMO_CITIZEN_ID),
        ),
        (
            "vehicle.office",
            Role::Reviewer,
            Some("dongguan-vehicle-office"),
            "车管所审核员",
            None,
        ),
        ("ems.courier", Role::Courier, None, "东莞邮政速递", None),
    ];
    // One reviewer for each department of the enterprise registration (市场监管 and the five
    // departments its registration fans out to), named after the department code's last part.
    for (code, _) in &DEMO_DEPARTMENTS[1..] {
        let login = code.trim_start_matches("dongguan-");
        users.push((login, Role::Reviewer, Some(*code), "部门审核员", None));
    }
    for (login, role, department, name, id_number) in users {
        if storage.user_by_login(login).await?.is_none() {
            add_user(
                storage,
                NewUser {
                    login: login.into(),
                    password: DEMO_PASSWORD.into(),
                    role,
                    department: department.map(str::to_string),
                    name: name.into(),
                    id_number: id_number.map(str::to_string),
                },
            )
            .await?;
        }
    }
    let courier = storage
        .user_by_login("ems.courier")
        .await?
        .context("the courier account")?;
    storage
        .insert_token(&auth::token_hash(DEMO_COURIER_TOKEN), courier.id, None)
        .await?;

    for (plate, vin, violations) in [
        ("粤S12345", "LSVAU2180N2123456", 0),
        ("粤S54321", "LFV2A21K8M3654321", 1),
    ] {
        let owner = Some(DEMO_CITIZEN_ID);
        put_registry_record(
            storage,
            "vehicle-registry",
            plate,
            owner,
            json!({
                "plate_number": plate, "vin": vin, "owner_name": "张三", "owner_id_number": DEMO_CITIZEN_ID,
                "vehicle_type": "small-passenger-car", "use_nature": "non-operating",
                "registered_on": "2023-03-01", "status": "normal"
            }),
        )
        .await?;
        put_registry_record(
            storage,
            "vehicle-insurance",
            plate,
            owner,
            json!({
                "plate_number": plate, "policy_number": format!("PDZA2026441900{}", &vin[11..]),
                "insurer": "中国人民财产保险股份有限公司东莞市分公司", "compulsory_valid_until": "2027-02-28"
            }),
        )
        .await?;
        put_registry_record(
            storage,
            "traffic-violations",
            plate,
            owner,
            json!({
                "plate_number": plate, "unhandled_violations": violations,
                "unhandled_accidents": 0, "casualty_accidents": 0
            }),
        )
        .await?;
    }
    for line in DEMO_SOCIAL_INSURANCE
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let record: Value =
            serde_json::from_str(line).context("the demo social-insurance record")?;
        let key = record["key"].as_str().context("the demo record's key")?;
        put_registry_record(
            storage,
            "social-insurance",
            key,
            record["subject_id"].as_str(),
            record["data"].clone(),
        )
        .await?;
    }
    for (dataset, lines) in DEMO_SCHOOL_ENROLLMENT.into_iter().chain(DEMO_KIT_ITEMS) {
        import_demo_lines(storage, dataset, lines).await?;
    }
    Ok(())
}

/// Puts each `{"key", "subject_id", "data"}` line of a demo file into `dataset`.
async fn import_demo_lines(storage: &Storage, dataset: &str, lines: &str) -> anyhow::Result<()> {
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value =
            serde_json::from_str(line).with_context(|| format!("a demo {dataset} record"))?;
        let key = record["key"].as_str().context("the demo record's key")?;
        put_registry_record(
            storage,
            dataset,
            key,
            record["subject_id"].as_str(),
            record["data"].clone(),
        )
        .await?;
    }
    Ok(())
}

/// Restores the backup `from` as the SQLite database `into` (a data directory's `yiwang.db`),
/// which must not exist yet: the server is stopped and the operator restores into a fresh data
/// directory, or has moved the old database away. The file is checked first, copied beside its
/// place and renamed into it (never a half-copied database), migrated if it is older than this
/// build, and its audit log verified. A refusal changes nothing.
pub async fn restore(from: &Path, into: &Path) -> anyhow::Result<(BackupSummary, AuditReport)> {
    if into.exists() {
        bail!(
            "{} already exists: restore into a new data directory, or move the database away first",
            into.display()
        );
    }
    let summary = check_backup(from).await?;
    let dir = into.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let partial = into.with_extension("db.restoring");
    std::fs::copy(from, &partial)
        .with_context(|| format!("copying {} to {}", from.display(), partial.display()))?;
    std::fs::File::open(&partial)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("syncing {}", partial.display()))?;
    std::fs::rename(&partial, into).with_context(|| format!("moving into {}", into.display()))?;
    let storage = Storage::connect(&format!("sqlite://{}?mode=rw", into.display())).await?;
    let report = storage.verify_audit().await;
    storage.close().await;
    Ok((summary, report?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_seventeen_digits_and_a_check_character() {
        assert!(is_id_number(DEMO_CITIZEN_ID));
        assert!(is_id_number("44190019900101123X"));
        assert!(!is_id_number("44190019900101123"));
        assert!(!is_id_number("44190019900101123a"));
    }

    #[test]
    fn csv_cells_become_typed_values() {
        assert_eq!(csv_value("3"), json!(3));
        assert_eq!(csv_value("true"), json!(true));
        assert_eq!(csv_value("0123"), json!("0123"));
        assert_eq!(csv_value("粤S12345"), json!("粤S12345"));
    }
}
