//! Test item `peer-hello`: the trivial handler of `cargo xtask peer` as an item. Its query
//! answers `{"hello":"world"}` without reading anything, so a request measures the platform's
//! own path (HTTP, the bearer token, a fresh instance and the call), the same work
//! `tests/plugins/peer-hello-http` does under `wasmtime serve` and the native handler in axum.

use yiwang_sdk::{Actor, CallContext, Item, ItemError, ItemInfo};

pub struct PeerHello;

impl Item for PeerHello {
    type Form = serde_json::Value;

    fn info() -> ItemInfo {
        yiwang_sdk::item_info!("peer-hello", "测试事项：对照测试", "peer-test-dept")
            .summary("平台与其他宿主的对照测试用事项，不对外提供服务。")
            .legal_basis("平台性能对照测试，无设定依据")
            .audience("测试人员")
            .channels(&["web"])
            .days(1, 1)
            .form_schema(r#"{"type":"object","properties":{}}"#)
    }

    fn query(_: &CallContext, _: &Actor, _: &str) -> Result<String, ItemError> {
        Ok(r#"{"hello":"world"}"#.to_owned())
    }
}

yiwang_sdk::register_item!(PeerHello);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_entry_is_sound_and_the_query_is_constant() {
        yiwang_sdk::testing::assert_catalog_sound(&PeerHello::info());
    }
}
