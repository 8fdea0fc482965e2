//! A citizen's own pages: their applications, the notifications sent to them and who used their
//! data.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::page::{Layout, PageResult, Session, render};
use super::people::People;
use crate::domain::labels;
use crate::http::AppState;
use crate::http::Citizen;
use crate::storage::{CaseSummary, DataUseRow, NotificationRow};

#[derive(Template)]
#[template(path = "my_applications.html")]
struct MyApplications {
    layout: Layout,
    /// Each case with its item's name and its state's label.
    cases: Vec<(CaseSummary, String, String)>,
}

pub async fn applications(State(state): State<AppState>, session: Session) -> PageResult<Response> {
    let me = session.require::<Citizen>()?;
    let cases = state
        .me
        .applications(me)
        .await?
        .into_iter()
        .map(|case| {
            let name = item_name(&state, &case.item_code);
            let label = state_label(&state, &case.item_code, &case.state);
            (case, name, label)
        })
        .collect();
    let page = MyApplications {
        layout: session.layout("我的办件"),
        cases,
    };
    Ok(render(StatusCode::OK, &page))
}

pub fn item_name(state: &AppState, code: &str) -> String {
    state
        .items
        .live(code)
        .map(|live| live.version.info.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// The label the item's live workflow gives `name`, or the name itself.
pub fn state_label(state: &AppState, code: &str, name: &str) -> String {
    state
        .items
        .live(code)
        .and_then(|live| {
            live.version
                .info
                .workflow
                .state(name)
                .map(|s| s.label.clone())
        })
        .unwrap_or_else(|| name.to_string())
}

#[derive(Template)]
#[template(path = "data_use.html")]
struct DataUse {
    layout: Layout,
    /// (row, the dataset's label, the item's name).
    rows: Vec<(DataUseRow, String, String)>,
}

/// Every read of a registry record about the citizen (数据使用记录), newest first.
pub async fn data_use(State(state): State<AppState>, session: Session) -> PageResult<Response> {
    let me = session.require::<Citizen>()?;
    let rows = state.me.data_use(me).await?;
    let page = DataUse {
        layout: session.layout("数据使用记录"),
        rows: rows
            .into_iter()
            .map(|row| {
                let name = item_name(&state, &row.item_code);
                let dataset = labels::dataset(&row.dataset).to_owned();
                (row, dataset, name)
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct Notifications {
    layout: Layout,
    rows: Vec<NotificationRow>,
}

impl Notifications {
    /// How far the notification has gone: the outbox's status, in words.
    fn delivery(&self, status: &str) -> &'static str {
        match status {
            "sent" => "已发送",
            "failed" => "发送失败",
            _ => "待发送",
        }
    }
}

/// The notifications sent (or on their way) to the citizen about their cases, newest first.
pub async fn notifications(
    State(state): State<AppState>,
    session: Session,
) -> PageResult<Response> {
    let me = session.require::<Citizen>()?;
    let rows = state.me.notifications(me).await?;
    let page = Notifications {
        layout: session.layout("消息通知"),
        rows,
    };
    Ok(render(StatusCode::OK, &page))
}
