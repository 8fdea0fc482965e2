//! `yiwang:service/notify`: messages to the applicant of the current case through the outbox.
//! Sees the item's `notify` grant and the call; the domain addresses and sends the messages.

use super::{Call, Capabilities, Failure, check_len};
use crate::model::effects::NewNotification;

const INTERFACE: &str = "notify";
/// An SMS-sized subject and a message that still reads on a phone.
const MAX_SUBJECT_CHARS: usize = 200;
const MAX_BODY_CHARS: usize = 4000;

pub struct NotifyCtx<'a> {
    granted: bool,
    call: &'a mut Call,
}

pub fn view(caps: &mut Capabilities) -> NotifyCtx<'_> {
    NotifyCtx {
        granted: caps.grants.notify,
        call: &mut caps.call,
    }
}

impl NotifyCtx<'_> {
    pub fn send(&mut self, subject: String, body: String) -> Result<(), Failure> {
        self.call.enter(INTERFACE, "send")?;
        if !self.granted {
            return Err(self.call.deny(INTERFACE, "notify".into()));
        }
        // Queries have no case and so nobody to write to.
        self.call.case_number(INTERFACE)?;
        check_len("subject", subject.trim(), 1, MAX_SUBJECT_CHARS, true)?;
        check_len("body", body.trim(), 1, MAX_BODY_CHARS, true)?;
        self.call
            .effects
            .notifications
            .push(NewNotification { subject, body });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::fake::{FakeData, capabilities, refusal};
    use crate::model::contract::HostError;
    use crate::model::grants::Grants;

    fn granted() -> Grants {
        Grants {
            notify: true,
            ..Grants::default()
        }
    }

    #[test]
    fn a_message_for_the_case_is_queued() {
        let mut caps = capabilities(granted(), FakeData::default(), true, 100);
        view(&mut caps)
            .send("已受理".into(), "您的申请已受理。".into())
            .ok()
            .unwrap();
        assert_eq!(caps.effects().notifications[0].subject, "已受理");
    }

    #[test]
    fn without_a_case_there_is_nobody_to_notify() {
        let mut caps = capabilities(granted(), FakeData::default(), false, 100);
        assert!(matches!(
            refusal(view(&mut caps).send("a".into(), "b".into())),
            HostError::Unavailable(_)
        ));
    }

    #[test]
    fn subjects_and_bodies_are_bounded_in_characters() {
        let mut caps = capabilities(granted(), FakeData::default(), true, 100);
        let mut notify = view(&mut caps);
        assert!(notify.send("办".repeat(200), "正文".into()).is_ok());
        assert!(matches!(
            refusal(notify.send("办".repeat(201), "正文".into())),
            HostError::Invalid(_)
        ));
        assert!(matches!(
            refusal(notify.send("标题".into(), "文".repeat(4001))),
            HostError::Invalid(_)
        ));
        assert!(matches!(
            refusal(notify.send("标题".into(), String::new())),
            HostError::Invalid(_)
        ));
    }

    #[test]
    fn without_the_grant_notify_is_denied() {
        let mut caps = capabilities(Grants::default(), FakeData::default(), true, 100);
        assert!(matches!(
            refusal(view(&mut caps).send("a".into(), "b".into())),
            HostError::Denied(_)
        ));
        assert!(caps.effects().notifications.is_empty());
    }
}
