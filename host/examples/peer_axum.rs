//! The native side of `cargo xtask peer`: the trivial handler (`{"hello":"world"}`) in axum on
//! tokio, the floor a wasm host is compared against. `peer_axum ADDR` serves until killed.

use axum::Router;
use axum::http::header;
use axum::routing::any;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8091".to_owned());
    let app = Router::new().fallback(any(|| async {
        (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"hello":"world"}"#,
        )
    }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
