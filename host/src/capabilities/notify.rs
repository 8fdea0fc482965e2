//! `yiwang:service/notify`: messages to the applicant of the current case through the outbox.
//! Sees the item's `notify` grant and the call; the domain addresses and sends the messages.

use wasmtime::component::HasData;

use super::{Call, Capabilities, Failure, HostResult, check_len, finish};
use crate::domain::effects::NewNotification;
use crate::runtime::bindings::yiwang::service::notify;

const INTERFACE: &str = "notify";
/// An SMS-sized subject and a message that still reads on a phone.
const MAX_SUBJECT_CHARS: usize = 200;
const MAX_BODY_CHARS: usize = 4000;

pub struct Notify;

impl HasData for Notify {
    type Data<'a> = NotifyCtx<'a>;
}

pub struct NotifyCtx<'a> {
    granted: bool,
    call: &'a mut Call,
}

pub fn view(caps: &mut Capabilities) -> NotifyCtx<'_> {
    NotifyCtx { granted: caps.grants.notify, call: &mut caps.call }
}

impl NotifyCtx<'_> {
    fn send(&mut self, subject: String, body: String) -> Result<(), Failure> {
        self.call.enter(INTERFACE, "send")?;
        if !self.granted {
            return Err(self.call.deny(INTERFACE, "notify".into()));
        }
        // Queries have no case and so nobody to write to.
        self.call.case_number(INTERFACE)?;
        check_len("subject", subject.trim(), 1, MAX_SUBJECT_CHARS, true)?;
        check_len("body", body.trim(), 1, MAX_BODY_CHARS, true)?;
        self.call.effects.notifications.push(NewNotification { subject, body });
        Ok(())
    }
}

impl notify::Host for NotifyCtx<'_> {
    async fn send(&mut self, subject: String, body: String) -> HostResult<()> {
        finish(NotifyCtx::send(self, subject, body))
    }
}
