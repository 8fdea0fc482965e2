//! The trivial handler of `cargo xtask peer` for `wasmtime serve`: every request is answered
//! 200 `{"hello":"world"}`, as `tests/plugins/peer-hello-item`'s query answers over the
//! platform's API. Not an item: it exports `wasi:http/incoming-handler`.

use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

const BODY: &[u8] = br#"{"hello":"world"}"#;

struct Hello;

impl wasi::exports::http::incoming_handler::Guest for Hello {
    fn handle(_request: IncomingRequest, out: ResponseOutparam) {
        let headers =
            Fields::from_list(&[("content-type".to_owned(), b"application/json".to_vec())])
                .expect("a valid header");
        let response = OutgoingResponse::new(headers);
        let body = response.body().expect("the response body");
        ResponseOutparam::set(out, Ok(response));
        let stream = body.write().expect("the body stream");
        stream
            .blocking_write_and_flush(BODY)
            .expect("writing the body");
        drop(stream);
        OutgoingBody::finish(body, None).expect("finishing the body");
    }
}

wasi::http::proxy::export!(Hello);
