//! Checks for an item's own unit tests (feature `testing`): [`assert_catalog_sound`] runs the
//! host's catalog rules — the very code the host runs at upload and load, from the
//! `yiwang-catalog` crate — on the entry the item describes, so a broken entry fails `cargo test`
//! instead of the upload.

use yiwang_catalog as host;

use crate::{ItemInfo, Role};

/// Panics with the host's reason if the host would refuse `info` at upload.
pub fn assert_catalog_sound(info: &ItemInfo) {
    if let Err(why) = catalog_check(info) {
        panic!(
            "{}@{}: the host would refuse this catalog entry: {why}",
            info.code, info.version
        );
    }
}

/// The host's verdict on `info`: `Err` with its reason when the host would refuse it.
pub fn catalog_check(info: &ItemInfo) -> Result<(), String> {
    as_host(info)?.check().map_err(|e| e.to_string())
}

/// The entry as the host converts it (the form schema parsed, labels keyed by code).
fn as_host(info: &ItemInfo) -> Result<host::ItemInfo, String> {
    let form_schema = serde_json::from_str(&info.form_schema).map_err(|e| {
        format!("form schema is not valid JSON Schema: form-schema is not JSON: {e}")
    })?;
    let mut labels = host::Labels::default();
    for (what, from, to) in [
        (
            "certificates",
            &info.labels.certificates,
            &mut labels.certificates,
        ),
        (
            "deliveries",
            &info.labels.deliveries,
            &mut labels.deliveries,
        ),
    ] {
        for label in from {
            if to.insert(label.code.clone(), label.text.clone()).is_some() {
                return Err(format!(
                    "labels: {what} label `{}` is declared twice",
                    label.code
                ));
            }
        }
    }
    Ok(host::ItemInfo {
        code: info.code.clone(),
        version: info.version.clone(),
        name: info.name.clone(),
        department: info.department.clone(),
        summary: info.summary.clone(),
        legal_basis: info.legal_basis.clone(),
        audience: info.audience.clone(),
        materials: info
            .materials
            .iter()
            .map(|m| host::Material {
                name: m.name.clone(),
                description: m.description.clone(),
                required: m.required,
            })
            .collect(),
        statutory_days: info.statutory_days,
        promised_days: info.promised_days,
        fees: info
            .fees
            .iter()
            .map(|f| host::Fee {
                name: f.name.clone(),
                amount_fen: f.amount_fen,
                basis: f.basis.clone(),
            })
            .collect(),
        channels: info.channels.clone(),
        form_schema,
        workflow: host::Workflow {
            initial: info.workflow.initial.clone(),
            states: info
                .workflow
                .states
                .iter()
                .map(|s| host::State {
                    name: s.name.clone(),
                    label: s.label.clone(),
                    terminal: s.terminal,
                    sla_days: s.sla_days,
                    waits_on_applicant: s.waits_on_applicant,
                })
                .collect(),
            actions: info
                .workflow
                .actions
                .iter()
                .map(|a| host::Action {
                    name: a.name.clone(),
                    label: a.label.clone(),
                    from: a.from.clone(),
                    to: a.to.clone(),
                    roles: a.roles.iter().map(|&r| role(r)).collect(),
                    departments: a.departments.clone(),
                    comment_required: a.comment_required,
                })
                .collect(),
        },
        labels,
    })
}

fn role(role: Role) -> host::Role {
    match role {
        Role::Citizen => host::Role::Citizen,
        Role::Reviewer => host::Role::Reviewer,
        Role::Developer => host::Role::Developer,
        Role::Admin => host::Role::Admin,
        Role::Courier => host::Role::Courier,
        Role::System => host::Role::System,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> ItemInfo {
        ItemInfo::builder("demo-item", "1.0.0", "示例事项", "demo-dept").legal_basis("《示例办法》")
    }

    #[test]
    fn the_builders_defaults_are_sound() {
        assert_catalog_sound(&entry());
    }

    #[test]
    fn the_host_refuses_what_it_would_refuse_at_upload() {
        assert_eq!(
            catalog_check(&ItemInfo::builder("demo-item", "1.0.0", "示例", "demo")),
            Err("missing catalog field `legal_basis`".into())
        );
        let broken = entry().form_schema(
            r#"{"type":"object","properties":{"a":{"type":"string","pattern":"^(a)\\1$"}}}"#,
        );
        assert!(
            catalog_check(&broken)
                .unwrap_err()
                .contains("/properties/a/pattern")
        );
        let twice = entry()
            .certificate_label("x-licence", "证")
            .certificate_label("x-licence", "证二");
        assert!(
            catalog_check(&twice)
                .unwrap_err()
                .contains("declared twice")
        );
    }

    #[test]
    #[should_panic(expected = "the host would refuse this catalog entry")]
    fn an_unsound_entry_panics_with_the_hosts_reason() {
        assert_catalog_sound(&entry().days(5, 10));
    }
}
