//! Test component `not-an-item`: a real wasm32-wasip2 component that exports an interface of its
//! own instead of `yiwang:service/item`, for the upload check that refuses anything that is
//! not a service item.

wit_bindgen::generate!({
    inline: "
        package yiwang-test:other@0.1.0;

        interface greeting {
            hello: func() -> string;
        }

        world not-an-item {
            export greeting;
        }
    ",
});

struct NotAnItem;

impl exports::yiwang_test::other::greeting::Guest for NotAnItem {
    fn hello() -> String {
        "你好".to_owned()
    }
}

export!(NotAnItem);
