//! Which imports a component may have, decided from their names and the item's grants before
//! anything is instantiated. Pure: knows the WIT package names and `Grants`, not wasmtime.

use crate::model::contract::ContractVersion;
use crate::model::grants::Grants;

/// The WASI packages the host links (deny-by-default: no files, sockets, env or args behind
/// them). Any other WASI package (`wasi:http`, `wasi:keyvalue` …) is not part of the platform.
const LINKED_WASI: &[&str] = &["io", "clocks", "random", "cli", "filesystem", "sockets"];

/// The contract version that serves `yiwang:service@{version}`: that version, or for a later
/// patch of it (`0.2.3`) the one the host has, as wasmtime's linker matches semver-compatibly
/// (for 0.x, the same minor version).
pub(crate) fn served(version: &str) -> Option<ContractVersion> {
    let parsed = semver::Version::parse(version).ok()?;
    ContractVersion::ALL.into_iter().find(|contract| {
        let ours = semver::Version::parse(contract.as_str()).expect("served versions parse");
        parsed.pre.is_empty()
            && parsed.major == ours.major
            && (ours.major > 0 || parsed.minor == ours.minor)
            && parsed >= ours
    })
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allowed,
    /// A host interface the item's grants do not cover; names the grant it would need.
    Ungranted(&'static str),
    /// Not something this host provides.
    Unknown,
}

/// `namespace:package/interface@version` split into its parts, or `None` for other names.
fn parse(name: &str) -> Option<(&str, &str, &str, Option<&str>)> {
    let (path, version) = match name.split_once('@') {
        Some((path, version)) => (path, Some(version)),
        None => (name, None),
    };
    let (package, interface) = path.split_once('/')?;
    let (namespace, package) = package.split_once(':')?;
    Some((namespace, package, interface, version))
}

/// May a component of contract `contract` import `name`?
pub(crate) fn classify(name: &str, grants: &Grants, contract: ContractVersion) -> Verdict {
    match parse(name) {
        Some(("wasi", package, _, Some(version)))
            if LINKED_WASI.contains(&package) && version.starts_with("0.2.") =>
        {
            Verdict::Allowed
        }
        Some(("yiwang", "service", interface, Some(version)))
            if served(version) == Some(contract) =>
        {
            let (granted, grant) = match interface {
                "types" => (true, ""),
                "records" => (grants.records, "records"),
                "registries" => (!grants.registries.is_empty(), "registries"),
                "certificates" => (
                    !grants.certificates_issue.is_empty() || !grants.certificates_read.is_empty(),
                    "certificates_issue or certificates_read",
                ),
                "notify" => (grants.notify, "notify"),
                "delivery" => (grants.delivery, "delivery"),
                "log" => (grants.log, "log"),
                _ => return Verdict::Unknown,
            };
            if granted {
                Verdict::Allowed
            } else {
                Verdict::Ungranted(grant)
            }
        }
        _ => Verdict::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: ContractVersion = ContractVersion::V0_1_0;

    #[test]
    fn contract_versions_are_served_semver_compatibly() {
        assert_eq!(served("0.1.0"), Some(ContractVersion::V0_1_0));
        assert_eq!(served("0.2.0"), Some(ContractVersion::V0_2_0));
        assert_eq!(served("0.2.4"), Some(ContractVersion::V0_2_0));
        assert_eq!(served("0.3.0"), None);
        assert_eq!(served("1.0.0"), None);
        assert_eq!(served("0.2.0-rc.1"), None);
        assert_eq!(served("garbage"), None);
    }

    #[test]
    fn imports_must_be_of_the_contract_the_item_exports() {
        let grants = Grants {
            records: true,
            ..Grants::default()
        };
        assert_eq!(
            classify(
                "yiwang:service/records@0.2.0",
                &grants,
                ContractVersion::V0_2_0
            ),
            Verdict::Allowed
        );
        assert_eq!(
            classify(
                "yiwang:service/records@0.1.0",
                &grants,
                ContractVersion::V0_2_0
            ),
            Verdict::Unknown
        );
    }

    #[test]
    fn wasi_interfaces_the_host_links_are_allowed() {
        let grants = Grants::default();
        assert_eq!(
            classify("wasi:cli/environment@0.2.6", &grants, V1),
            Verdict::Allowed
        );
        assert_eq!(
            classify("wasi:io/streams@0.2.0", &grants, V1),
            Verdict::Allowed
        );
        assert_eq!(
            classify("wasi:filesystem/preopens@0.2.3", &grants, V1),
            Verdict::Allowed
        );
    }

    #[test]
    fn other_wasi_packages_and_versions_are_unknown() {
        let grants = Grants::default();
        assert_eq!(
            classify("wasi:http/outgoing-handler@0.2.0", &grants, V1),
            Verdict::Unknown
        );
        assert_eq!(
            classify("wasi:cli/environment@0.3.0", &grants, V1),
            Verdict::Unknown
        );
        assert_eq!(
            classify("wasi:cli/environment", &grants, V1),
            Verdict::Unknown
        );
    }

    #[test]
    fn host_interfaces_need_their_grant() {
        let mut grants = Grants {
            log: false,
            ..Grants::default()
        };
        assert_eq!(
            classify("yiwang:service/types@0.1.0", &grants, V1),
            Verdict::Allowed
        );
        assert_eq!(
            classify("yiwang:service/notify@0.1.0", &grants, V1),
            Verdict::Ungranted("notify")
        );
        assert_eq!(
            classify("yiwang:service/registries@0.1.0", &grants, V1),
            Verdict::Ungranted("registries")
        );
        assert_eq!(
            classify("yiwang:service/log@0.1.0", &grants, V1),
            Verdict::Ungranted("log")
        );
        grants.registries.push("vehicle-registry".into());
        grants.certificates_read.push("driving-licence".into());
        grants.notify = true;
        assert_eq!(
            classify("yiwang:service/registries@0.1.0", &grants, V1),
            Verdict::Allowed
        );
        assert_eq!(
            classify("yiwang:service/certificates@0.1.0", &grants, V1),
            Verdict::Allowed
        );
        assert_eq!(
            classify("yiwang:service/notify@0.1.0", &grants, V1),
            Verdict::Allowed
        );
    }

    #[test]
    fn unknown_interfaces_versions_and_names_are_unknown() {
        let grants = Grants {
            records: true,
            ..Grants::default()
        };
        assert_eq!(
            classify("yiwang:service/records@0.2.0", &grants, V1),
            Verdict::Unknown
        );
        assert_eq!(
            classify("yiwang:service/database@0.1.0", &grants, V1),
            Verdict::Unknown
        );
        assert_eq!(
            classify("evil:net/socket@1.0.0", &grants, V1),
            Verdict::Unknown
        );
        assert_eq!(classify("env", &grants, V1), Verdict::Unknown);
    }
}
