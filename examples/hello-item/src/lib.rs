//! 预约咨询: the smallest useful service item, for a department developer to copy. A citizen asks
//! for a consultation on a working day; a reviewer answers with a comment and the citizen is
//! notified. The `query` tells the office hours of a weekday.
//!
//! Copy this folder, change the code, department and texts, and keep the shape: `describe()` is
//! the catalog entry, `submit` checks business rules the form schema cannot express, `on_action`
//! does what a workflow action implies, `query` answers information requests. Nothing survives a
//! call; what must last goes through the host interfaces (here only `notify`).

use serde::Deserialize;
use serde_json::json;
use yiwang_sdk::catalog::owned;
use yiwang_sdk::date::Date;
use yiwang_sdk::form::{parse_form, parse_input};
use yiwang_sdk::{
    Accepted, Action, Actor, CallContext, CaseInfo, FieldError, Guest, ItemError, ItemInfo,
    Material, Role, State, Transition, Workflow, notify,
};

const SUBMITTED: &str = "submitted";
const ANSWERED: &str = "answered";
const ANSWER: &str = "answer";

/// The application form; `describe()` gives the same shape as JSON Schema, which the host checks
/// before `submit` is called.
#[derive(Deserialize)]
struct Form {
    name: String,
    phone: String,
    topic: String,
    preferred_date: Date,
}

struct HelloItem;

impl Guest for HelloItem {
    fn describe() -> ItemInfo {
        ItemInfo {
            code: "hello-item".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            name: "预约咨询".to_owned(),
            department: "demo-department".to_owned(),
            summary: "在线预约到窗口咨询办事事项，工作人员将在线答复并确认预约时间。".to_owned(),
            legal_basis: owned(&["《国务院关于加快推进“互联网+政务服务”工作的指导意见》（国发〔2016〕55号）"]),
            audience: "需要咨询办事事项的群众和企业。".to_owned(),
            materials: vec![Material::required("居民身份证", "网上实名认证核验，无需另行提交。")],
            statutory_days: 5,
            promised_days: 3,
            fees: Vec::new(),
            channels: owned(&["web", "mobile"]),
            form_schema: json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "additionalProperties": false,
                "required": ["name", "phone", "topic", "preferred_date"],
                "properties": {
                    "name": { "type": "string", "title": "姓名", "minLength": 1, "maxLength": 30 },
                    "phone": { "type": "string", "title": "手机号码", "pattern": "^1[3-9][0-9]{9}$" },
                    "topic": { "type": "string", "title": "咨询事项", "minLength": 2, "maxLength": 200 },
                    "preferred_date": { "type": "string", "title": "希望预约日期", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" }
                }
            })
            .to_string(),
            workflow: Workflow {
                initial: SUBMITTED.to_owned(),
                states: vec![State::working(SUBMITTED, "待答复", Some(3)), State::terminal(ANSWERED, "已答复")],
                actions: vec![
                    Action::new(ANSWER, "答复", &[SUBMITTED], &[ANSWERED], &[Role::Reviewer]).comment_required(),
                ],
            },
        }
    }

    fn submit(
        ctx: CallContext,
        _applicant: Actor,
        form: String,
    ) -> Result<Accepted, Vec<FieldError>> {
        let form: Form = parse_form(&form)?;
        let today: Date = ctx.today.parse().map_err(|_| {
            vec![FieldError::whole(
                "bad-context",
                "系统日期有误，请稍后再试。",
            )]
        })?;
        if !is_bookable(form.preferred_date, today) {
            return Err(vec![FieldError::new(
                "preferred_date",
                "not-a-future-working-day",
                "请选择今天以后的工作日（星期一至星期五）。",
            )]);
        }
        let derived =
            json!({ "contact": format!("{} {}", form.name, form.phone), "topic": form.topic });
        Ok(Accepted {
            derived: derived.to_string(),
            then: None,
        })
    }

    fn on_action(
        _ctx: CallContext,
        _actor: Actor,
        case: CaseInfo,
        action: String,
        comment: Option<String>,
        _input: String,
    ) -> Result<Transition, ItemError> {
        if action != ANSWER {
            return Err(ItemError::refused(format!(
                "本事项没有“{action}”这项操作。"
            )));
        }
        // The host has enforced `comment-required`; the answer is the comment.
        let answer = comment.unwrap_or_default();
        notify::send(
            "预约咨询已答复",
            &format!("【申请编号 {}】{answer}", case.number),
        )
        .map_err(|error| ItemError::host("notify.send", error))?;
        Ok(Transition {
            to: ANSWERED.to_owned(),
            derived: None,
            note: Some(format!("已答复：{answer}")),
        })
    }

    fn query(ctx: CallContext, _actor: Actor, input: String) -> Result<String, ItemError> {
        #[derive(Deserialize)]
        struct Input {
            /// 1 (Monday) to 7 (Sunday); today's when absent.
            weekday: Option<u32>,
        }
        let input: Input = parse_input(&input)?;
        let weekday = match input.weekday {
            Some(weekday) => weekday,
            None => ctx
                .today
                .parse::<Date>()
                .map_err(|error| ItemError::failed(error.to_string()))?
                .weekday(),
        };
        let Some(hours) = office_hours(weekday) else {
            return Err(ItemError::invalid_field(
                "weekday",
                "invalid-weekday",
                "星期应为1（星期一）至7（星期日）。",
            ));
        };
        Ok(json!({ "weekday": weekday, "open": !hours.is_empty(), "hours": hours }).to_string())
    }
}

/// The business rule the schema cannot express: a working day after today.
fn is_bookable(date: Date, today: Date) -> bool {
    date > today && date.weekday() <= 5
}

/// Office hours by ISO weekday; empty on the weekend, none for a day that does not exist.
fn office_hours(weekday: u32) -> Option<Vec<&'static str>> {
    match weekday {
        1..=4 => Some(vec!["09:00-12:00", "14:00-17:30"]),
        5 => Some(vec!["09:00-12:00", "14:00-16:30"]),
        6 | 7 => Some(Vec::new()),
        _ => None,
    }
}

yiwang_sdk::export!(HelloItem);

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn only_a_working_day_after_today_can_be_booked() {
        let today = date("2025-06-04"); // a Wednesday
        assert!(is_bookable(date("2025-06-05"), today));
        assert!(!is_bookable(today, today), "today");
        assert!(!is_bookable(date("2025-06-07"), today), "a Saturday");
        assert!(!is_bookable(date("2025-06-03"), today), "yesterday");
    }

    #[test]
    fn the_office_is_closed_at_the_weekend_and_weekdays_run_from_1_to_7() {
        assert_eq!(office_hours(1), Some(vec!["09:00-12:00", "14:00-17:30"]));
        assert_eq!(office_hours(7), Some(Vec::new()));
        assert_eq!(office_hours(0), None);
        assert_eq!(office_hours(8), None);
    }
}
