//! Test component `future-contract`: a real wasm32-wasip2 component exporting
//! `yiwang:service/item@0.9.0`, a contract version no host serves, for the upload check that
//! refuses it naming the versions the host does serve.

wit_bindgen::generate!({
    inline: "
        package yiwang:service@0.9.0;

        interface item {
            describe: func() -> string;
        }

        world service-item {
            export item;
        }
    ",
});

struct FutureItem;

impl exports::yiwang::service::item::Guest for FutureItem {
    fn describe() -> String {
        "future-item".to_owned()
    }
}

export!(FutureItem);
