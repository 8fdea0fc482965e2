//! Property tests over every parser of outside input: each either accepts or returns its own
//! error, and never panics, whatever it is given. Bounded and seeded, so a run is quick and the
//! same every time; a failure prints the input that caused it. The attachment checks and ID
//! masking have theirs beside them (`domain::attachments`, `domain::masking`); the request bodies
//! the handlers take (the courier's event, multipart uploads, query strings) are fuzzed through
//! the running server in `tests/api/fuzz.rs`.

use proptest::prelude::*;
use serde_json::{Value, json};

/// Any JSON value, a few levels deep, with odd strings and extreme numbers.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        Just(json!(u64::MAX)),
        "\\PC{0,40}".prop_map(Value::String),
        "[0-9X]{15,19}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,24}|\\PC{0,8}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A form schema of the kind items declare: required strings with patterns and lengths, an
/// enum, bounded integers, a nested array of objects, no other fields.
fn item_schema() -> Value {
    json!({
        "type": "object",
        "required": ["plate_number", "owner_id_number", "kind", "seats"],
        "additionalProperties": false,
        "properties": {
            "plate_number": { "type": "string", "pattern": "^粤[A-Z][A-Z0-9]{5,6}$" },
            "owner_id_number": { "type": "string", "pattern": "^[0-9]{17}[0-9X]$" },
            "owner_name": { "type": "string", "minLength": 2, "maxLength": 30 },
            "kind": { "enum": ["car", "van"] },
            "seats": { "type": "integer", "minimum": 1, "maximum": 9 },
            "wants_paper_mark": { "type": "boolean" },
            "members": {
                "type": "array", "maxItems": 5,
                "items": {
                    "type": "object", "required": ["name"],
                    "properties": { "name": { "type": "string" }, "age": { "type": "integer" } }
                }
            }
        }
    })
}

fn valid_form() -> Value {
    json!({
        "plate_number": "粤S12345", "owner_id_number": "441900199001011234", "owner_name": "张三",
        "kind": "car", "seats": 5, "wants_paper_mark": true, "members": [{ "name": "李四", "age": 9 }]
    })
}

/// `valid_form()` with one field replaced by any value, or removed.
fn mutated_form() -> impl Strategy<Value = Value> {
    let fields = [
        "plate_number",
        "owner_id_number",
        "owner_name",
        "kind",
        "seats",
        "wants_paper_mark",
        "members",
        "extra",
    ];
    (
        proptest::sample::select(fields.to_vec()),
        proptest::option::of(any_json()),
    )
        .prop_map(|(field, value)| {
            let mut form = valid_form();
            match value {
                Some(value) => form[field] = value,
                None => {
                    form.as_object_mut().expect("an object").remove(field);
                }
            }
            form
        })
}

mod parsers {
    use super::*;
    use crate::domain::form;
    use crate::domain::numbering::ApplicationNumber;
    use crate::domain::stats::range_bounds;
    use crate::signing;

    #[test]
    fn the_valid_form_passes_its_schema() {
        let validator = jsonschema::validator_for(&item_schema()).unwrap();
        assert!(form::check(&validator, &valid_form()).is_ok());
    }

    proptest! {
        #![proptest_config(crate::seeded::config(256))]

        #[test]
        fn any_form_is_accepted_or_refused_naming_bounded_fields(
            form in prop_oneof![any_json(), mutated_form()],
        ) {
            let validator = jsonschema::validator_for(&item_schema()).unwrap();
            match form::check(&validator, &form) {
                Ok(()) => prop_assert!(form.is_object()),
                Err(errors) => {
                    prop_assert!(!errors.is_empty() && errors.len() <= 50);
                    for error in errors {
                        prop_assert!(!error.code.is_empty() && !error.message.is_empty());
                    }
                }
            }
        }

        #[test]
        fn application_numbers_parse_only_in_their_format(text in "\\PC{0,30}|YW-[0-9]{0,9}-[0-9]{0,13}") {
            if let Some(number) = ApplicationNumber::parse(&text) {
                prop_assert_eq!(number.as_str(), text.as_str());
                let (day, seq) = text["YW-".len()..].split_once('-').unwrap();
                prop_assert_eq!(day.len(), 8);
                prop_assert!((6..=12).contains(&seq.len()));
            }
        }

        #[test]
        fn stats_ranges_are_accepted_in_order_or_refused_as_invalid_input(
            from in "\\PC{0,12}|[0-9]{4}-[0-9]{2}-[0-9]{2}|[+-]?[0-9]{5,6}-12-31",
            to in "\\PC{0,12}|[0-9]{4}-[0-9]{2}-[0-9]{2}|[+-]?[0-9]{5,6}-12-31",
        ) {
            match range_bounds(&from, &to) {
                Ok((first, last, start, end)) => {
                    prop_assert!(first <= last);
                    prop_assert!(start < end);
                }
                Err(crate::domain::error::DomainError::Invalid {
                    code: "invalid_input",
                    fields,
                    ..
                }) => {
                    prop_assert!(!fields.is_empty());
                }
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }

        #[test]
        fn signature_files_and_keys_parse_or_fail_cleanly(
            file in proptest::collection::vec(any::<u8>(), 0..200),
            text in "\\PC{0,120}",
            pem_body in "[A-Za-z0-9+/=]{0,120}",
        ) {
            let _ = signing::signature(&file);
            let _ = signing::signature(text.as_bytes());
            let pem = format!("-----BEGIN PUBLIC KEY-----\n{pem_body}\n-----END PUBLIC KEY-----\n");
            let _ = signing::public_key(&pem);
            let _ = signing::public_key(&text);
            let private = format!("-----BEGIN PRIVATE KEY-----\n{pem_body}\n-----END PRIVATE KEY-----\n");
            let _ = signing::private_key(&private);
            let _ = signing::private_key(&text);
        }
    }

    #[test]
    fn a_signature_made_for_other_bytes_never_verifies() {
        let (private, public) = signing::generate().unwrap();
        let key = signing::private_key(&private).unwrap();
        let public = signing::public_key(&public).unwrap();
        let mut runner = proptest::test_runner::TestRunner::new(crate::seeded::config(64));
        runner
            .run(
                &(
                    proptest::collection::vec(any::<u8>(), 0..256),
                    proptest::collection::vec(any::<u8>(), 0..256),
                ),
                |(signed, other)| {
                    let signature = signing::signature(signing::sign(&key, &signed).as_bytes())
                        .expect("a signature the host made parses");
                    prop_assert!(signing::verifies(&public, &signed, &signature));
                    prop_assert_eq!(
                        signing::verifies(&public, &other, &signature),
                        signed == other
                    );
                    Ok(())
                },
            )
            .unwrap();
    }
}

mod components {
    use std::sync::Arc;

    use super::*;
    use crate::runtime::{LoadError, Runtime};
    use crate::storage::Storage;

    /// The header of a WebAssembly component (magic, version 0x0d, layer 1).
    const COMPONENT_HEADER: &[u8] = b"\0asm\x0d\0\x01\0";

    /// Compiling is slow: few cases. Random bytes, and bytes after a component header, which
    /// reach the compiler.
    #[test]
    fn any_bytes_load_as_a_load_error_never_a_panic() {
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio.block_on(async {
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
            let storage = Storage::connect(&url).await.unwrap();
            Runtime::new(dir.path().join("cache"), Arc::new(storage)).unwrap()
        });
        let bytes = prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..256),
            proptest::collection::vec(any::<u8>(), 0..512).prop_map(|tail| {
                let mut bytes = COMPONENT_HEADER.to_vec();
                bytes.extend(tail);
                bytes
            }),
        ];
        let mut runner = proptest::test_runner::TestRunner::new(crate::seeded::config(24));
        runner
            .run(&bytes, |bytes| {
                let loaded =
                    tokio.block_on(runtime.load(&bytes, Default::default(), Default::default()));
                match loaded {
                    Ok(_) => prop_assert!(false, "random bytes loaded as an item"),
                    Err(LoadError::NotAComponent { .. } | LoadError::CompileFailed { .. }) => {}
                    Err(other) => prop_assert!(false, "unexpected load error {other}"),
                }
                Ok(())
            })
            .unwrap();
    }
}
