//! The typed HTTP calls of the black-box suite: requests as a citizen, a reviewer, a courier, a
//! department's developer or an admin would send them, and the checks of their responses. No SQL
//! here: what was stored is read in `stored.rs`.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use yiwang_host::model::actor::Role;

use super::{
    ADMIN, COURIER_TOKEN, CRAFTED_DEPARTMENT, CRAFTED_ITEM, PASSWORD, TestApp, VEHICLE_ITEM,
    Vehicle, eligible_form,
};

/// The JSON body of a response that must have `status`; panics with the body otherwise.
pub async fn json_body(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.expect("reading the response body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("the body is not JSON ({e}): {text}"))
}

/// Checks an error response: `status`, `{"error": {"code": code, "message": …}}`; returns `error`.
pub async fn error_body(response: Response, status: StatusCode, code: &str) -> Value {
    let body = json_body(response, status).await;
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "an error needs a message: {body}"
    );
    body["error"].clone()
}

/// A page's text as a reader sees it: what is outside its tags (attribute values, such as form
/// values and ids, are for machines), each tag replaced by a space.
pub fn visible_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// The `code`s of the `fields` of a 422 error, as `(field, code)` with a leading `/` dropped from
/// JSON-pointer field names.
pub fn field_errors(error: &Value) -> Vec<(String, String)> {
    error["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("a 422 error names its fields: {error}"))
        .iter()
        .map(|f| {
            let field = f["field"]
                .as_str()
                .unwrap_or_else(|| panic!("field error without a field: {f}"));
            let code = f["code"]
                .as_str()
                .unwrap_or_else(|| panic!("field error without a code: {f}"));
            (field.trim_start_matches('/').to_string(), code.to_string())
        })
        .collect()
}

/// The elements of the JSON array `list` whose `key` is `value`.
pub fn find<'a>(list: &'a Value, key: &str, value: &str) -> Vec<&'a Value> {
    list.as_array()
        .unwrap_or_else(|| panic!("expected an array: {list}"))
        .iter()
        .filter(|v| v[key] == value)
        .collect()
}

/// Is `text` an application number, `YW-YYYYMMDD-NNNNNN`?
pub fn is_application_number(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    matches!(parts.as_slice(), ["YW", date, seq]
        if date.len() == 8 && seq.len() == 6 && date.bytes().chain(seq.bytes()).all(|b| b.is_ascii_digit()))
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("sending a GET request")
    }

    /// GET that must answer 200 with JSON.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        json_body(self.get(path, Some(token)).await, StatusCode::OK).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("sending a POST request")
    }

    /// PUT with a JSON body, as `token`.
    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        let request = self
            .client
            .put(self.url(path))
            .json(body)
            .bearer_auth(token);
        request.send().await.expect("sending a PUT request")
    }

    // --- auth

    pub async fn login_response(&self, login: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({ "login": login, "password": password }),
        )
        .await
    }

    /// Logs in and returns the bearer token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let body = json_body(self.login_response(login, password).await, StatusCode::OK).await;
        body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login returns a token: {body}"))
            .to_string()
    }

    pub async fn logout(&self, token: &str) -> Response {
        self.client
            .post(self.url("/api/v1/auth/logout"))
            .bearer_auth(token)
            .send()
            .await
            .expect("logging out")
    }

    // --- applications

    pub async fn submit(&self, token: &str, item: &str, form: Value) -> Response {
        self.submit_body(token, item, json!({ "form": form })).await
    }

    /// Submits a whole request body (`{form, channel}`).
    pub async fn submit_body(&self, token: &str, item: &str, body: Value) -> Response {
        self.post(
            &format!("/api/v1/items/{item}/applications"),
            Some(token),
            &body,
        )
        .await
    }

    /// 张三 applies for his eligible car; returns the application number (the case now awaits the
    /// courier's pick-up).
    pub async fn apply_for_eligible_vehicle(&self, token: &str, wants_paper_mark: bool) -> String {
        let form = eligible_form(wants_paper_mark);
        let body = json_body(
            self.submit(token, VEHICLE_ITEM, form).await,
            StatusCode::CREATED,
        )
        .await;
        body["number"]
            .as_str()
            .unwrap_or_else(|| panic!("201 carries the number: {body}"))
            .to_string()
    }

    /// Applies for `vehicle` through a fresh HTTP client, as a separate user agent would.
    pub async fn apply_on_own_client(&self, token: &str, vehicle: &Vehicle) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .post(format!(
                "{}/api/v1/items/{VEHICLE_ITEM}/applications",
                self.address
            ))
            .bearer_auth(token)
            .json(&json!({ "form": vehicle.form(true) }))
            .send()
            .await
            .expect("sending the application");
        let status = response.status();
        (status, response.json().await.expect("a JSON body"))
    }

    pub async fn get_application(&self, token: &str, number: &str) -> Response {
        self.get(&format!("/api/v1/applications/{number}"), Some(token))
            .await
    }

    /// The application as `token`'s user sees it; must be 200.
    pub async fn application(&self, token: &str, number: &str) -> Value {
        json_body(self.get_application(token, number).await, StatusCode::OK).await
    }

    pub async fn act(
        &self,
        token: &str,
        number: &str,
        action: &str,
        comment: Option<&str>,
    ) -> Response {
        self.act_with_input(token, number, action, comment, json!({}))
            .await
    }

    pub async fn act_with_input(
        &self,
        token: &str,
        number: &str,
        action: &str,
        comment: Option<&str>,
        input: Value,
    ) -> Response {
        let mut body = json!({ "action": action, "input": input });
        if let Some(comment) = comment {
            body["comment"] = json!(comment);
        }
        self.post(
            &format!("/api/v1/applications/{number}/actions"),
            Some(token),
            &body,
        )
        .await
    }

    /// An action that must succeed; returns the new state.
    pub async fn act_ok(
        &self,
        token: &str,
        number: &str,
        action: &str,
        comment: Option<&str>,
    ) -> String {
        let body = json_body(
            self.act(token, number, action, comment).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(body["number"], number, "{body}");
        body["state"]
            .as_str()
            .unwrap_or_else(|| panic!("an action answers the new state: {body}"))
            .to_string()
    }

    /// A courier event reported with the demo courier's token.
    pub async fn courier_event(&self, tracking_number: &str, event: &str) -> Response {
        self.courier_event_as(Some(COURIER_TOKEN), tracking_number, event)
            .await
    }

    pub async fn courier_event_as(
        &self,
        token: Option<&str>,
        tracking_number: &str,
        event: &str,
    ) -> Response {
        let body = json!({ "tracking_number": tracking_number, "event": event });
        self.post("/api/v1/delivery/events", token, &body).await
    }

    /// Submits for the eligible car and lets the courier collect the materials: the case is
    /// `under-review`. Returns the application number.
    pub async fn case_under_review(&self, citizen_token: &str, wants_paper_mark: bool) -> String {
        let number = self
            .apply_for_eligible_vehicle(citizen_token, wants_paper_mark)
            .await;
        let pickup = self.tracking_number(&number, "pickup").await;
        let body = json_body(
            self.courier_event(&pickup, "picked-up").await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(body["case_state"], "under-review", "{body}");
        number
    }

    // --- departments' item versions (uploads, publish, preview)

    /// An admin registers `code` for `department`.
    pub async fn register_item(&self, code: &str, department: &str) -> Response {
        let admin = self.login(ADMIN, PASSWORD).await;
        self.post(
            "/api/v1/admin/items",
            Some(&admin),
            &json!({ "code": code, "department": department }),
        )
        .await
    }

    /// Uploads `component` with the `signature` file's bytes, as `token`.
    pub async fn upload_version(
        &self,
        token: &str,
        code: &str,
        component: &[u8],
        signature: &[u8],
    ) -> Response {
        let form = reqwest::multipart::Form::new()
            .part(
                "component",
                reqwest::multipart::Part::bytes(component.to_vec()).file_name("component.wasm"),
            )
            .part(
                "signature",
                reqwest::multipart::Part::bytes(signature.to_vec()).file_name("component.wasm.sig"),
            );
        self.client
            .post(self.url(&format!("/api/v1/dept/items/{code}/versions")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("uploading")
    }

    /// Uploads `component` signed with `key`; the response must be 201.
    pub async fn upload_signed(
        &self,
        token: &str,
        code: &str,
        component: &[u8],
        key: &ed25519_dalek::SigningKey,
    ) -> Value {
        let signature = yiwang_host::signing::sign(key, component);
        json_body(
            self.upload_version(token, code, component, signature.as_bytes())
                .await,
            StatusCode::CREATED,
        )
        .await
    }

    /// An admin's POST to `/api/v1/admin/items/{code}/{verb}` (publish, rollback, enable, disable).
    pub async fn admin_item(&self, code: &str, verb: &str, body: &Value) -> Response {
        let admin = self.login(ADMIN, PASSWORD).await;
        self.post(
            &format!("/api/v1/admin/items/{code}/{verb}"),
            Some(&admin),
            body,
        )
        .await
    }

    /// The crafted item registered for its department, which gets a fresh signing key and the
    /// developer `login`; returns the developer's token and the department's key.
    pub async fn crafted_item_for(&self, login: &str) -> (String, ed25519_dalek::SigningKey) {
        let key = self
            .department_with_key(CRAFTED_DEPARTMENT, "上传测试部门")
            .await;
        self.add_user(
            login,
            Role::Developer,
            Some(CRAFTED_DEPARTMENT),
            "上传测试开发员",
            None,
        )
        .await;
        let developer = self.login(login, PASSWORD).await;
        json_body(
            self.register_item(CRAFTED_ITEM, CRAFTED_DEPARTMENT).await,
            StatusCode::CREATED,
        )
        .await;
        (developer, key)
    }

    /// An admin publishes `version` of `code` and switches the item on.
    pub async fn publish_and_enable(&self, code: &str, version: &str) {
        for (verb, body) in [
            ("publish", json!({ "version": version })),
            ("enable", json!({})),
        ] {
            json_body(self.admin_item(code, verb, &body).await, StatusCode::OK).await;
        }
    }

    // --- attachments (application materials)

    /// Uploads one file as the material `material` of case `number` (multipart `material` and
    /// `file`); `content_type` is what the part declares (none: no Content-Type on the part).
    pub async fn upload_attachment(
        &self,
        token: &str,
        number: &str,
        material: &str,
        file_name: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
    ) -> Response {
        let mut file = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        if let Some(content_type) = content_type {
            file = file.mime_str(content_type).expect("a valid content type");
        }
        let form = reqwest::multipart::Form::new()
            .text("material", material.to_string())
            .part("file", file);
        self.client
            .post(self.url(&format!("/api/v1/applications/{number}/attachments")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("sending an upload")
    }
}
