//! The eligibility rules for the six-year exemption (公交管〔2014〕138号), as pure functions of the
//! form, the applicant and the registry facts: no host calls, so they run in native unit tests.
//! Every failing rule is reported, each with a stable code, so the applicant sees all that is
//! wrong at once.

use yiwang_sdk::FieldError;
use yiwang_sdk::date::Date;

use crate::facts::{Facts, Insurance, Vehicle, Violations};
use crate::form::Form;

/// The stable codes of the refusals, as listed in the README.
pub mod code {
    pub const VEHICLE_NOT_FOUND: &str = "vehicle-not-found";
    pub const VIN_MISMATCH: &str = "vin-mismatch";
    pub const NOT_OWNER: &str = "not-owner";
    pub const NOT_SMALL_PASSENGER_CAR: &str = "not-small-passenger-car";
    pub const OPERATING_VEHICLE: &str = "operating-vehicle";
    pub const OLDER_THAN_SIX_YEARS: &str = "older-than-six-years";
    pub const INSURANCE_MISSING: &str = "insurance-missing";
    pub const INSURANCE_EXPIRED: &str = "insurance-expired";
    pub const UNHANDLED_VIOLATIONS: &str = "unhandled-violations";
    pub const UNHANDLED_ACCIDENTS: &str = "unhandled-accidents";
    pub const CASUALTY_ACCIDENT: &str = "casualty-accident";
}

/// Vehicle types the exemption covers; vans (`small-van`) and larger vehicles are not.
const EXEMPT_VEHICLE_TYPES: [&str; 2] = ["small-passenger-car", "mini-passenger-car"];
const NON_OPERATING: &str = "non-operating";
const EXEMPT_YEARS: i32 = 6;

/// All the reasons to refuse this application; empty when it is eligible. Without a registered
/// vehicle nothing else can be checked, so that is the only reason then; and when the applicant is
/// not the registered owner, only the identity checks are reported, so that nobody learns about
/// someone else's insurance, violations or accidents by applying with their plate.
pub fn check_application(
    form: &Form,
    applicant_id_number: Option<&str>,
    facts: &Facts,
    today: Date,
) -> Vec<FieldError> {
    let Some(vehicle) = &facts.vehicle else {
        return vec![vehicle_not_found(&form.plate_number)];
    };
    let mut errors = Vec::new();
    if !vin_ends_with(&vehicle.vin, &form.vin_last6) {
        errors.push(FieldError::new(
            "vin_last6",
            code::VIN_MISMATCH,
            "车辆识别代号后6位与机动车登记信息不一致，请对照机动车行驶证核对。",
        ));
    }
    if !vehicle.is_owned_by(applicant_id_number) {
        errors.push(FieldError::new(
            "owner_id_number",
            code::NOT_OWNER,
            "申请人不是该车辆登记的所有人，只能为本人名下的车辆申请。",
        ));
        return errors;
    }
    if !form
        .owner_id_number
        .eq_ignore_ascii_case(&vehicle.owner_id_number)
    {
        errors.push(FieldError::new(
            "owner_id_number",
            code::NOT_OWNER,
            "所填身份证号码与该车辆登记的所有人不一致。",
        ));
    }
    errors.extend(check_vehicle(
        vehicle,
        facts.insurance.as_ref(),
        facts.violations.as_ref(),
        today,
    ));
    errors
}

/// The rules about the vehicle itself, shared by the application and the pre-check. A missing
/// violations record means a clean history.
pub fn check_vehicle(
    vehicle: &Vehicle,
    insurance: Option<&Insurance>,
    violations: Option<&Violations>,
    today: Date,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !EXEMPT_VEHICLE_TYPES.contains(&vehicle.vehicle_type.as_str()) {
        errors.push(FieldError::whole(
            code::NOT_SMALL_PASSENGER_CAR,
            "该车辆不是小型、微型载客汽车（面包车除外），不适用6年免检，请到机动车检验机构上线检验。",
        ));
    }
    if vehicle.use_nature != NON_OPERATING {
        errors.push(FieldError::whole(
            code::OPERATING_VEHICLE,
            "该车辆不是非营运车辆，不适用6年免检，请到机动车检验机构上线检验。",
        ));
    }
    if !within_six_years(vehicle.registered_on, today) {
        errors.push(FieldError::whole(
            code::OLDER_THAN_SIX_YEARS,
            format!(
                "该车辆于{}注册登记，已满6年，不适用免检，请到机动车检验机构上线检验。",
                vehicle.registered_on.chinese()
            ),
        ));
    }
    match insurance.and_then(|insurance| insurance.compulsory_valid_until) {
        None => errors.push(FieldError::whole(
            code::INSURANCE_MISSING,
            "未查询到该车辆的交强险投保信息，请投保后再申请。",
        )),
        Some(valid_until) if valid_until < today => errors.push(FieldError::whole(
            code::INSURANCE_EXPIRED,
            format!(
                "该车辆的交强险已于{}到期，请续保后再申请。",
                valid_until.chinese()
            ),
        )),
        Some(_) => {}
    }
    let violations = violations.cloned().unwrap_or_default();
    if violations.unhandled_violations > 0 {
        errors.push(FieldError::whole(
            code::UNHANDLED_VIOLATIONS,
            format!(
                "该车辆有{}起交通违法未处理，请处理完毕后再申请。",
                violations.unhandled_violations
            ),
        ));
    }
    if violations.unhandled_accidents > 0 {
        errors.push(FieldError::whole(
            code::UNHANDLED_ACCIDENTS,
            format!(
                "该车辆有{}起交通事故未处理，请处理完毕后再申请。",
                violations.unhandled_accidents
            ),
        ));
    }
    if violations.casualty_accidents > 0 {
        errors.push(FieldError::whole(
            code::CASUALTY_ACCIDENT,
            "该车辆发生过造成人员伤亡的交通事故，不适用免检，请到机动车检验机构上线检验。",
        ));
    }
    errors
}

/// The refusal for a plate the vehicle registry does not know.
pub fn vehicle_not_found(plate_number: &str) -> FieldError {
    FieldError::new(
        "plate_number",
        code::VEHICLE_NOT_FOUND,
        format!("未查询到号牌号码为{plate_number}的机动车登记信息，请核对号牌号码。"),
    )
}

/// Whether the registered VIN ends with the six characters the applicant copied from the licence.
fn vin_ends_with(vin: &str, last6: &str) -> bool {
    last6.len() == 6
        && vin
            .to_ascii_uppercase()
            .ends_with(&last6.to_ascii_uppercase())
}

/// True until the sixth anniversary of registration. Equal to comparing `YYYY-MM-DD` strings after
/// adding six to the year: a 29 February registration stays exempt through 28 February.
fn within_six_years(registered_on: Date, today: Date) -> bool {
    registered_on.add_years(EXEMPT_YEARS) > today
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER_ID: &str = "441900199001011234";

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn today() -> Date {
        date("2025-06-01")
    }

    fn form() -> Form {
        Form {
            plate_number: "粤S12345".into(),
            vin_last6: "123456".into(),
            owner_name: "张三".into(),
            owner_id_number: OWNER_ID.into(),
            phone: "13800138000".into(),
            mailing_address: "东莞市南城街道鸿福路99号".into(),
            wants_paper_mark: true,
        }
    }

    fn facts() -> Facts {
        Facts {
            vehicle: Some(Vehicle {
                plate_number: "粤S12345".into(),
                vin: "LSVAU2180N2123456".into(),
                owner_id_number: OWNER_ID.into(),
                vehicle_type: "small-passenger-car".into(),
                use_nature: "non-operating".into(),
                registered_on: date("2023-03-01"),
            }),
            insurance: Some(Insurance {
                compulsory_valid_until: Some(date("2027-02-28")),
            }),
            violations: Some(Violations::default()),
        }
    }

    fn vehicle(facts: &mut Facts) -> &mut Vehicle {
        facts.vehicle.as_mut().unwrap()
    }

    fn codes(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|error| error.code.as_str()).collect()
    }

    fn check(facts: &Facts) -> Vec<FieldError> {
        check_application(&form(), Some(OWNER_ID), facts, today())
    }

    #[test]
    fn a_young_private_car_with_insurance_and_a_clean_record_is_eligible() {
        assert_eq!(check(&facts()), []);
    }

    #[test]
    fn a_mini_passenger_car_is_eligible_too() {
        let mut facts = facts();
        vehicle(&mut facts).vehicle_type = "mini-passenger-car".into();
        assert_eq!(check(&facts), []);
    }

    #[test]
    fn an_unknown_plate_is_the_only_reason_given() {
        let facts = Facts::default();
        let errors = check_application(&form(), None, &facts, today());
        assert_eq!(codes(&errors), [code::VEHICLE_NOT_FOUND]);
        assert_eq!(errors[0].field, "plate_number");
    }

    #[test]
    fn a_wrong_vin_suffix_is_refused_on_its_field() {
        let mut form = form();
        form.vin_last6 = "654321".into();
        let errors = check_application(&form, Some(OWNER_ID), &facts(), today());
        assert_eq!(codes(&errors), [code::VIN_MISMATCH]);
        assert_eq!(errors[0].field, "vin_last6");
    }

    #[test]
    fn the_form_must_name_the_registered_owner() {
        let mut form = form();
        form.owner_id_number = "441900198001011111".into();
        let errors = check_application(&form, Some(OWNER_ID), &facts(), today());
        assert_eq!(codes(&errors), [code::NOT_OWNER]);
        assert_eq!(errors[0].field, "owner_id_number");
    }

    #[test]
    fn the_applicant_must_be_the_registered_owner_even_when_the_form_names_the_owner() {
        for applicant in [Some("441900198001011111"), None] {
            let errors = check_application(&form(), applicant, &facts(), today());
            assert_eq!(codes(&errors), [code::NOT_OWNER], "applicant {applicant:?}");
        }
    }

    #[test]
    fn a_stranger_learns_nothing_about_the_vehicle_beyond_the_identity_checks() {
        let mut form = form();
        form.vin_last6 = "000000".into();
        let mut facts = facts();
        vehicle(&mut facts).registered_on = date("2010-01-01");
        facts.violations = Some(Violations {
            unhandled_violations: 5,
            ..Default::default()
        });
        let errors = check_application(&form, Some("441900198001011111"), &facts, today());
        assert_eq!(codes(&errors), [code::VIN_MISMATCH, code::NOT_OWNER]);
    }

    #[test]
    fn a_van_is_not_a_small_passenger_car() {
        let mut facts = facts();
        vehicle(&mut facts).vehicle_type = "small-van".into();
        assert_eq!(codes(&check(&facts)), [code::NOT_SMALL_PASSENGER_CAR]);
    }

    #[test]
    fn an_operating_vehicle_is_refused() {
        let mut facts = facts();
        vehicle(&mut facts).use_nature = "operating".into();
        assert_eq!(codes(&check(&facts)), [code::OPERATING_VEHICLE]);
    }

    #[test]
    fn the_exemption_ends_on_the_sixth_anniversary_of_registration() {
        let mut facts = facts();
        vehicle(&mut facts).registered_on = date("2019-06-02");
        assert_eq!(check(&facts), [], "one day before the anniversary");
        vehicle(&mut facts).registered_on = date("2019-06-01");
        assert_eq!(
            codes(&check(&facts)),
            [code::OLDER_THAN_SIX_YEARS],
            "on the anniversary"
        );
    }

    #[test]
    fn a_leap_day_registration_matches_the_string_comparison_of_the_shifted_date() {
        let registered = date("2020-02-29");
        for (today, string_rule) in [("2026-02-28", true), ("2026-03-01", false)] {
            assert_eq!("2026-02-29" > today, string_rule);
            assert_eq!(
                within_six_years(registered, date(today)),
                string_rule,
                "{today}"
            );
        }
    }

    #[test]
    fn insurance_must_be_on_record_and_valid_today() {
        let mut facts = facts();
        facts.insurance.as_mut().unwrap().compulsory_valid_until = Some(today());
        assert_eq!(check(&facts), [], "valid through today");
        facts.insurance.as_mut().unwrap().compulsory_valid_until = Some(date("2025-05-31"));
        assert_eq!(codes(&check(&facts)), [code::INSURANCE_EXPIRED]);
        facts.insurance = Some(Insurance::default());
        assert_eq!(codes(&check(&facts)), [code::INSURANCE_MISSING]);
        facts.insurance = None;
        assert_eq!(codes(&check(&facts)), [code::INSURANCE_MISSING]);
    }

    #[test]
    fn unhandled_violations_and_accidents_and_casualties_each_refuse() {
        for (violations, expected) in [
            (
                Violations {
                    unhandled_violations: 2,
                    ..Default::default()
                },
                code::UNHANDLED_VIOLATIONS,
            ),
            (
                Violations {
                    unhandled_accidents: 1,
                    ..Default::default()
                },
                code::UNHANDLED_ACCIDENTS,
            ),
            (
                Violations {
                    casualty_accidents: 1,
                    ..Default::default()
                },
                code::CASUALTY_ACCIDENT,
            ),
        ] {
            let mut facts = facts();
            facts.violations = Some(violations);
            assert_eq!(codes(&check(&facts)), [expected]);
        }
    }

    #[test]
    fn no_violations_record_means_a_clean_history() {
        let mut facts = facts();
        facts.violations = None;
        assert_eq!(check(&facts), []);
    }

    #[test]
    fn every_failing_rule_is_reported_not_just_the_first() {
        let mut form = form();
        form.vin_last6 = "000000".into();
        let facts = Facts {
            vehicle: Some(Vehicle {
                vehicle_type: "small-van".into(),
                use_nature: "operating".into(),
                registered_on: date("2018-01-01"),
                ..facts().vehicle.unwrap()
            }),
            insurance: Some(Insurance {
                compulsory_valid_until: Some(date("2024-12-31")),
            }),
            violations: Some(Violations {
                unhandled_violations: 3,
                unhandled_accidents: 1,
                casualty_accidents: 1,
            }),
        };
        form.owner_id_number = "441900198001011111".into();
        let errors = check_application(&form, Some(OWNER_ID), &facts, today());
        assert_eq!(
            codes(&errors),
            [
                code::VIN_MISMATCH,
                code::NOT_OWNER,
                code::NOT_SMALL_PASSENGER_CAR,
                code::OPERATING_VEHICLE,
                code::OLDER_THAN_SIX_YEARS,
                code::INSURANCE_EXPIRED,
                code::UNHANDLED_VIOLATIONS,
                code::UNHANDLED_ACCIDENTS,
                code::CASUALTY_ACCIDENT,
            ]
        );
        assert!(errors.iter().all(|error| !error.message.is_empty()));
    }

    #[test]
    fn registry_records_parse_from_the_shared_json_shape() {
        let vehicle: Vehicle = serde_json::from_str(
            r#"{"plate_number":"粤S12345","vin":"LSVAU2180N2123456","owner_name":"张三",
                "owner_id_number":"441900199001011234","vehicle_type":"small-passenger-car",
                "use_nature":"non-operating","registered_on":"2023-03-01","status":"normal"}"#,
        )
        .unwrap();
        let insurance: Insurance = serde_json::from_str(
            r#"{"plate_number":"粤S12345","policy_number":"PDZA2024","insurer":"人保","compulsory_valid_until":"2027-02-28"}"#,
        )
        .unwrap();
        let violations: Violations = serde_json::from_str(
            r#"{"plate_number":"粤S12345","unhandled_violations":0,"unhandled_accidents":0,"casualty_accidents":0}"#,
        )
        .unwrap();
        let facts = Facts {
            vehicle: Some(vehicle),
            insurance: Some(insurance),
            violations: Some(violations),
        };
        assert_eq!(check(&facts), []);
    }
}
