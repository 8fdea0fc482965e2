//! Item versions, publications and their audit entries, on a temporary SQLite database.

use super::*;
use crate::storage::tests::temp_storage;

/// `(actor, action, target)` of every audit entry, oldest first.
async fn audit(storage: &Storage) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT actor, action, target FROM audit_log ORDER BY id")
        .fetch_all(&mut *storage.reader().await.unwrap())
        .await
        .unwrap()
}

fn change(actor: &'static str) -> Change<'static> {
    Change { actor, detail: "" }
}

async fn store(storage: &Storage, version: &str, bytes: &[u8]) -> String {
    let sha = format!("{:0>64}", hex::encode(bytes));
    let new = NewVersion {
        sha256: &sha,
        item_code: "some-item",
        version,
        department: "dept",
        info_json: "{}",
        bytes,
        uploaded_by: "dev",
        signature: Some("c2ln"),
    };
    storage
        .store_version(&new, &change("developer:2"))
        .await
        .unwrap();
    sha
}

fn triple(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

#[tokio::test]
async fn a_registered_item_is_switched_published_and_rolled_back_with_an_audit_entry_each_time() {
    let (_dir, storage) = temp_storage().await;
    assert!(
        storage
            .register_item("some-item", "dept", &change("admin:1"))
            .await
            .unwrap()
    );
    assert!(
        !storage
            .register_item("some-item", "other", &change("admin:1"))
            .await
            .unwrap()
    );
    let row = storage.item("some-item").await.unwrap().unwrap();
    assert_eq!(
        (row.current_sha256, row.enabled, row.department.as_str()),
        (None, 0, "dept")
    );

    let v1 = store(&storage, "1.0.0", b"one").await;
    let v2 = store(&storage, "1.1.0", b"two").await;
    assert_eq!(storage.component_bytes(&v2).await.unwrap().unwrap(), b"two");
    storage
        .publish_version("some-item", &v1, &change("admin:1"))
        .await
        .unwrap();
    storage
        .publish_version("some-item", &v2, &change("admin:1"))
        .await
        .unwrap();
    assert!(
        storage
            .set_item_enabled("some-item", true, &change("admin:1"))
            .await
            .unwrap()
    );
    let row = storage.item("some-item").await.unwrap().unwrap();
    assert_eq!(
        (row.current_sha256.as_deref(), row.enabled),
        (Some(v2.as_str()), 1)
    );

    assert!(matches!(
        storage.rollback_item("some-item", &change("admin:1")).await.unwrap(),
        RolledBack::To(sha) if sha == v1
    ));
    assert_eq!(
        storage
            .item("some-item")
            .await
            .unwrap()
            .unwrap()
            .current_sha256,
        Some(v1)
    );
    // The first publication has nothing before it.
    assert!(matches!(
        storage
            .rollback_item("some-item", &change("admin:1"))
            .await
            .unwrap(),
        RolledBack::NoPrevious
    ));
    assert_eq!(
        audit(&storage).await,
        vec![
            triple("admin:1", "item.register", "some-item"),
            triple("developer:2", "version.upload", "some-item"),
            triple("developer:2", "version.upload", "some-item"),
            triple("admin:1", "item.publish", "some-item"),
            triple("admin:1", "item.publish", "some-item"),
            triple("admin:1", "item.enable", "some-item"),
            triple("admin:1", "item.rollback", "some-item"),
        ]
    );
}

#[tokio::test]
async fn a_version_number_is_immutable_and_unknown_items_write_nothing() {
    let (_dir, storage) = temp_storage().await;
    store(&storage, "1.0.0", b"one").await;
    let other = NewVersion {
        sha256: &"b".repeat(64),
        item_code: "some-item",
        version: "1.0.0",
        department: "dept",
        info_json: "{}",
        bytes: b"changed",
        uploaded_by: "dev",
        signature: None,
    };
    let err = storage
        .store_version(&other, &change("developer:2"))
        .await
        .unwrap_err();
    assert!(err.downcast_ref::<VersionTaken>().is_some(), "{err:#}");
    assert_eq!(storage.item_versions("some-item").await.unwrap().len(), 1);

    assert!(
        !storage
            .set_item_enabled("no-such-item", false, &change("admin:1"))
            .await
            .unwrap()
    );
    assert!(
        !storage
            .set_item_grants("no-such-item", "{}", &change("admin:1"))
            .await
            .unwrap()
    );
    assert_eq!(
        audit(&storage).await.len(),
        1,
        "only the first upload is audited"
    );
}
