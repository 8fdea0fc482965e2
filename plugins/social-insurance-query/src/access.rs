//! Whose record a query may read: only the asker's own, decided from the login before anything is
//! read, so that asking about someone else never touches the registry nor their ledger.

use yiwang_sdk::{Actor, ItemError, Role};

/// The refusal for asking about anyone but oneself.
pub const ONLY_OWN_RECORD: &str = "只能查询本人的社保缴费记录";
/// The refusal for staff, couriers and other non-citizen accounts.
pub const CITIZENS_ONLY: &str = "社保缴费记录只能由参保人本人使用群众账号登录查询";
/// The refusal for a citizen account without an ID number.
pub const ID_NUMBER_REQUIRED: &str = "您的账号尚未登记居民身份证号码，请完成实名认证后再查询";

/// The ID number whose record `actor` may read, given the one the input names (if any).
///
/// The checks run in this order, so each refusal names the first thing wrong:
/// 1. an `id_number` in the input that is not the actor's own (or an actor without one);
/// 2. an actor who is not a citizen;
/// 3. a citizen without an ID number.
pub fn subject<'a>(actor: &'a Actor, requested: Option<&str>) -> Result<&'a str, ItemError> {
    let own = actor
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|own| !own.is_empty());
    if let Some(requested) = requested
        && !own.is_some_and(|own| own.eq_ignore_ascii_case(requested.trim()))
    {
        return Err(ItemError::refused(ONLY_OWN_RECORD));
    }
    if actor.role != Role::Citizen {
        return Err(ItemError::refused(CITIZENS_ONLY));
    }
    own.ok_or_else(|| ItemError::refused(ID_NUMBER_REQUIRED))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "441900199001011234";
    const OTHER: &str = "441900198001011111";

    fn actor(role: Role, id_number: Option<&str>) -> Actor {
        Actor {
            id: "7".into(),
            role,
            name: "张三".into(),
            department: None,
            id_number: id_number.map(str::to_owned),
        }
    }

    fn refusal(result: Result<&str, ItemError>) -> String {
        match result {
            Err(ItemError::Refused(message)) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_citizen_reads_their_own_record_with_or_without_naming_it() {
        let citizen = actor(Role::Citizen, Some(OWN));
        assert_eq!(subject(&citizen, None), Ok(OWN));
        assert_eq!(subject(&citizen, Some(OWN)), Ok(OWN));
        assert_eq!(subject(&citizen, Some(" 441900199001011234 ")), Ok(OWN));
    }

    #[test]
    fn the_check_letter_x_matches_in_either_case() {
        let citizen = actor(Role::Citizen, Some("44190019900101123X"));
        assert_eq!(
            subject(&citizen, Some("44190019900101123x")),
            Ok("44190019900101123X")
        );
    }

    #[test]
    fn naming_someone_else_is_refused() {
        let citizen = actor(Role::Citizen, Some(OWN));
        assert_eq!(refusal(subject(&citizen, Some(OTHER))), ONLY_OWN_RECORD);
        assert_eq!(refusal(subject(&citizen, Some(""))), ONLY_OWN_RECORD);
    }

    #[test]
    fn staff_and_other_roles_are_refused_even_for_a_record_they_name() {
        for role in [
            Role::Reviewer,
            Role::Developer,
            Role::Admin,
            Role::Courier,
            Role::System,
        ] {
            assert_eq!(
                refusal(subject(&actor(role, None), None)),
                CITIZENS_ONLY,
                "{role:?}"
            );
            assert_eq!(
                refusal(subject(&actor(role, None), Some(OWN))),
                ONLY_OWN_RECORD,
                "{role:?}"
            );
            assert_eq!(
                refusal(subject(&actor(role, Some(OWN)), Some(OWN))),
                CITIZENS_ONLY,
                "{role:?}"
            );
        }
    }

    #[test]
    fn a_citizen_without_an_id_number_is_refused() {
        assert_eq!(
            refusal(subject(&actor(Role::Citizen, None), None)),
            ID_NUMBER_REQUIRED
        );
        assert_eq!(
            refusal(subject(&actor(Role::Citizen, Some(" ")), None)),
            ID_NUMBER_REQUIRED
        );
        assert_eq!(
            refusal(subject(&actor(Role::Citizen, None), Some(OWN))),
            ONLY_OWN_RECORD
        );
    }
}
