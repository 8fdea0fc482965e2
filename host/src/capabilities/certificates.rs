//! `yiwang:service/certificates`: the electronic licence library (电子证照库). Sees the kinds the
//! item may issue and read; issuing is buffered in the effects and idempotent per case and kind.

use chrono::NaiveDate;
use rand::Rng;

use super::{Call, Capabilities, Failure, check_len};
use crate::model::contract::{CertificateView, HostError};
use crate::model::effects::NewCertificate;

const INTERFACE: &str = "certificates";
const MAX_DATA_BYTES: usize = 64 * 1024;
const MAX_HOLDER_BYTES: usize = 64;

pub struct CertificatesCtx<'a> {
    issue: &'a [String],
    read: &'a [String],
    call: &'a mut Call,
}

pub fn view(caps: &mut Capabilities) -> CertificatesCtx<'_> {
    CertificatesCtx {
        issue: &caps.grants.certificates_issue,
        read: &caps.grants.certificates_read,
        call: &mut caps.call,
    }
}

impl CertificatesCtx<'_> {
    pub async fn issue(
        &mut self,
        kind: String,
        data: String,
        valid_days: Option<u32>,
    ) -> Result<CertificateView, Failure> {
        self.call.enter(INTERFACE, "issue")?;
        if !self.issue.contains(&kind) {
            return Err(self.call.deny(INTERFACE, format!("issue {kind}")));
        }
        let case_number = self.call.case_number(INTERFACE)?;
        let Some(holder) = self
            .call
            .scope
            .applicant
            .as_ref()
            .and_then(|a| a.id_number.clone())
        else {
            return Err(HostError::Unavailable(
                "the applicant has no ID number to issue a certificate to".into(),
            )
            .into());
        };
        check_len("data", &data, 1, MAX_DATA_BYTES, false)?;
        if !serde_json::from_str::<serde_json::Value>(&data).is_ok_and(|v| v.is_object()) {
            return Err(HostError::Invalid("data must be a JSON object".into()).into());
        }

        // Issuing twice for one case returns the first: earlier in this call, then in storage.
        if let Some(earlier) = self
            .call
            .effects
            .certificates
            .iter()
            .find(|c| c.kind == kind)
        {
            return Ok(CertificateView::issued(earlier, &case_number));
        }
        match self
            .call
            .host
            .certificate_of_case(&case_number, &kind)
            .await
        {
            Ok(Some(issued)) => return Ok(issued.into()),
            Ok(None) => {}
            Err(e) => return Err(self.call.host_failed(INTERFACE, e)),
        }

        let today = match NaiveDate::parse_from_str(&self.call.scope.ctx.today, "%Y-%m-%d") {
            Ok(today) => today,
            Err(e) => {
                return Err(self
                    .call
                    .host_failed(INTERFACE, anyhow::anyhow!("call context `today`: {e}")));
            }
        };
        let valid_until =
            match valid_days {
                None => None,
                Some(days) => Some(valid_until(today, days).ok_or_else(|| {
                    HostError::Invalid(format!("valid-days {days} is out of range"))
                })?),
            };
        let certificate = NewCertificate {
            serial: serial(&kind, today, &mut rand::rng()),
            kind,
            holder,
            data,
            issued_on: today.format("%Y-%m-%d").to_string(),
            valid_until: valid_until.map(|d| d.format("%Y-%m-%d").to_string()),
        };
        let issued = CertificateView::issued(&certificate, &case_number);
        self.call.effects.certificates.push(certificate);
        Ok(issued)
    }

    pub async fn find(
        &mut self,
        kind: String,
        holder: String,
    ) -> Result<Vec<CertificateView>, Failure> {
        self.call.enter(INTERFACE, "find")?;
        if !self.read.contains(&kind) {
            return Err(self.call.deny(INTERFACE, format!("read {kind}")));
        }
        check_len("holder", &holder, 1, MAX_HOLDER_BYTES, false)?;
        let call = &*self.call;
        match call
            .host
            .certificates_find(&kind, &holder, &call.scope.ctx.today)
            .await
        {
            Ok(found) => Ok(found.into_iter().map(Into::into).collect()),
            Err(e) => Err(call.host_failed(INTERFACE, e)),
        }
    }
}

/// `<KIND>-<YYYYMMDD>-<8 hex digits>`: readable on paper, and the random part keeps two
/// certificates of one kind issued on one day apart.
fn serial(kind: &str, issued_on: NaiveDate, rng: &mut impl Rng) -> String {
    format!(
        "{}-{}-{:08X}",
        kind.to_ascii_uppercase(),
        issued_on.format("%Y%m%d"),
        rng.random::<u32>()
    )
}

fn valid_until(today: NaiveDate, days: u32) -> Option<NaiveDate> {
    today.checked_add_days(chrono::Days::new(days.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::fake::{FakeData, capabilities, refusal};
    use crate::model::effects::Certificate;
    use crate::model::grants::Grants;

    fn marks() -> Grants {
        Grants {
            certificates_issue: vec!["inspection-mark".into()],
            ..Grants::default()
        }
    }

    #[tokio::test]
    async fn issuing_twice_in_one_case_returns_the_first() {
        let mut caps = capabilities(marks(), FakeData::default(), true, 100);
        let mut certificates = view(&mut caps);
        let first = certificates
            .issue(
                "inspection-mark".into(),
                r#"{"plate":"粤S12345"}"#.into(),
                Some(365),
            )
            .await;
        let first = first.ok().unwrap();
        assert_eq!(first.holder, "441900199001011234");
        assert_eq!(
            (first.issued_on.as_str(), first.valid_until.as_deref()),
            ("2026-03-09", Some("2027-03-09"))
        );
        assert_eq!(first.case_number.as_deref(), Some("YW-1"));
        let again = certificates
            .issue("inspection-mark".into(), "{}".into(), None)
            .await
            .ok()
            .unwrap();
        assert_eq!(again.serial, first.serial);
        assert_eq!(caps.effects().certificates.len(), 1);
    }

    #[tokio::test]
    async fn a_certificate_already_stored_for_the_case_is_returned() {
        let stored = Certificate {
            serial: "INSPECTION-MARK-20260301-0000ABCD".into(),
            kind: "inspection-mark".into(),
            holder: "441900199001011234".into(),
            data: serde_json::json!({}),
            issued_on: "2026-03-01".into(),
            valid_until: None,
            case_number: Some("YW-1".into()),
        };
        let mut caps = capabilities(
            marks(),
            FakeData {
                issued: Some(stored),
                ..FakeData::default()
            },
            true,
            100,
        );
        let issued = view(&mut caps)
            .issue("inspection-mark".into(), "{}".into(), Some(1))
            .await
            .ok()
            .unwrap();
        assert_eq!(issued.serial, "INSPECTION-MARK-20260301-0000ABCD");
        assert!(caps.effects().certificates.is_empty());
    }

    #[tokio::test]
    async fn data_must_be_a_json_object_and_the_kind_granted() {
        let mut caps = capabilities(marks(), FakeData::default(), true, 100);
        let mut certificates = view(&mut caps);
        let array = certificates
            .issue("inspection-mark".into(), "[1]".into(), None)
            .await;
        assert!(matches!(refusal(array), HostError::Invalid(_)));
        let other = certificates
            .issue("driving-licence".into(), "{}".into(), None)
            .await;
        assert!(matches!(refusal(other), HostError::Denied(_)));
        let read = certificates
            .find("inspection-mark".into(), "441900199001011234".into())
            .await;
        assert!(matches!(refusal(read), HostError::Denied(_)));
        assert_eq!(caps.effects().denials.len(), 2);
    }

    #[tokio::test]
    async fn a_query_has_no_case_to_issue_for() {
        let mut caps = capabilities(marks(), FakeData::default(), false, 100);
        let issued = view(&mut caps)
            .issue("inspection-mark".into(), "{}".into(), None)
            .await;
        assert!(matches!(refusal(issued), HostError::Unavailable(_)));
    }

    #[test]
    fn a_serial_is_the_kind_the_date_and_eight_upper_hex_digits() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        let serial = serial("inspection-mark", day, &mut rand::rng());
        let (prefix, random) = serial.rsplit_once('-').unwrap();
        assert_eq!(prefix, "INSPECTION-MARK-20260309");
        assert_eq!(random.len(), 8);
        assert!(
            random
                .chars()
                .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)),
            "{serial}"
        );
    }

    #[test]
    fn validity_is_counted_in_calendar_days_from_today() {
        let day = NaiveDate::from_ymd_opt(2026, 2, 27).unwrap();
        assert_eq!(valid_until(day, 2), NaiveDate::from_ymd_opt(2026, 3, 1));
        assert_eq!(valid_until(day, 0), Some(day));
        assert_eq!(valid_until(NaiveDate::MAX, 1), None);
    }
}
