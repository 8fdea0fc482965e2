//! `yiwang:service/delivery`: courier pick-ups and mail-outs for the current case. Sees the
//! item's `delivery` grant and the call; the host assigns tracking numbers, the domain books them.

use rand::Rng;

use super::{Call, Capabilities, Failure, check_len};
use crate::model::contract::{Address, HostError};
use crate::model::effects::{DeliveryKind, NewDelivery};

const INTERFACE: &str = "delivery";
const MAX_NAME_CHARS: usize = 64;
const MAX_PHONE_CHARS: usize = 32;
const MAX_ADDRESS_CHARS: usize = 256;
const MAX_ITEMS: usize = 20;
const MAX_ITEM_CHARS: usize = 200;

pub struct DeliveryCtx<'a> {
    granted: bool,
    call: &'a mut Call,
}

pub fn view(caps: &mut Capabilities) -> DeliveryCtx<'_> {
    DeliveryCtx {
        granted: caps.grants.delivery,
        call: &mut caps.call,
    }
}

impl DeliveryCtx<'_> {
    /// A courier collects `contents` (paper materials) from the applicant; the tracking number.
    pub fn request_pickup(
        &mut self,
        from: Address,
        contents: Vec<String>,
    ) -> Result<String, Failure> {
        self.request(DeliveryKind::Pickup, "request-pickup", from, contents)
    }

    /// A courier delivers `contents` (a licence, a sticker) to the applicant; the tracking number.
    pub fn request_shipment(
        &mut self,
        to: Address,
        contents: Vec<String>,
    ) -> Result<String, Failure> {
        self.request(DeliveryKind::Shipment, "request-shipment", to, contents)
    }

    fn request(
        &mut self,
        kind: DeliveryKind,
        function: &'static str,
        address: Address,
        contents: Vec<String>,
    ) -> Result<String, Failure> {
        self.call.enter(INTERFACE, function)?;
        if !self.granted {
            return Err(self
                .call
                .deny(INTERFACE, format!("delivery {}", kind.as_str())));
        }
        self.call.case_number(INTERFACE)?;
        check_len("name", address.name.trim(), 1, MAX_NAME_CHARS, true)?;
        check_len("phone", address.phone.trim(), 1, MAX_PHONE_CHARS, true)?;
        check_len(
            "address",
            address.address.trim(),
            1,
            MAX_ADDRESS_CHARS,
            true,
        )?;
        if contents.is_empty() || contents.len() > MAX_ITEMS {
            return Err(
                HostError::Invalid(format!("contents must list 1 to {MAX_ITEMS} items")).into(),
            );
        }
        for item in &contents {
            check_len("contents item", item.trim(), 1, MAX_ITEM_CHARS, true)?;
        }
        let tracking_number = tracking_number(&mut rand::rng());
        self.call.effects.deliveries.push(NewDelivery {
            tracking_number: tracking_number.clone(),
            kind,
            name: address.name,
            phone: address.phone,
            address: address.address,
            contents,
        });
        Ok(tracking_number)
    }
}

/// `YW` and twelve digits, the shape couriers print on a waybill.
fn tracking_number(rng: &mut impl Rng) -> String {
    format!("YW{:012}", rng.random_range(0..1_000_000_000_000u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::fake::{FakeData, capabilities, refusal};
    use crate::model::grants::Grants;

    fn address() -> Address {
        Address {
            name: "张三".into(),
            phone: "13800138000".into(),
            address: "广东省东莞市南城街道鸿福路99号".into(),
        }
    }

    fn granted() -> Grants {
        Grants {
            delivery: true,
            ..Grants::default()
        }
    }

    #[test]
    fn a_pickup_gets_a_tracking_number_and_is_booked() {
        let mut caps = capabilities(granted(), FakeData::default(), true, 100);
        let number = view(&mut caps)
            .request(
                DeliveryKind::Pickup,
                "request-pickup",
                address(),
                vec!["行驶证".into()],
            )
            .ok()
            .unwrap();
        let booked = &caps.effects().deliveries[0];
        assert_eq!(booked.tracking_number, number);
        assert_eq!(booked.kind, DeliveryKind::Pickup);
    }

    #[test]
    fn contents_and_addresses_are_checked() {
        let mut caps = capabilities(granted(), FakeData::default(), true, 100);
        let mut delivery = view(&mut caps);
        let none = delivery.request(
            DeliveryKind::Shipment,
            "request-shipment",
            address(),
            vec![],
        );
        assert!(matches!(refusal(none), HostError::Invalid(_)));
        let many = delivery.request(
            DeliveryKind::Shipment,
            "request-shipment",
            address(),
            vec!["x".into(); 21],
        );
        assert!(matches!(refusal(many), HostError::Invalid(_)));
        let nameless = Address {
            name: " ".into(),
            ..address()
        };
        let nameless = delivery.request(
            DeliveryKind::Shipment,
            "request-shipment",
            nameless,
            vec!["标志".into()],
        );
        assert!(matches!(refusal(nameless), HostError::Invalid(_)));
        assert!(caps.effects().deliveries.is_empty());
    }

    #[test]
    fn outside_a_case_or_the_grant_nothing_is_booked() {
        let mut caps = capabilities(granted(), FakeData::default(), false, 100);
        let outside = view(&mut caps).request(
            DeliveryKind::Pickup,
            "request-pickup",
            address(),
            vec!["x".into()],
        );
        assert!(matches!(refusal(outside), HostError::Unavailable(_)));
        let mut caps = capabilities(Grants::default(), FakeData::default(), true, 100);
        let ungranted = view(&mut caps).request(
            DeliveryKind::Pickup,
            "request-pickup",
            address(),
            vec!["x".into()],
        );
        assert!(matches!(refusal(ungranted), HostError::Denied(_)));
    }

    #[test]
    fn a_tracking_number_is_yw_and_twelve_digits() {
        for _ in 0..100 {
            let number = tracking_number(&mut rand::rng());
            assert_eq!(number.len(), 14, "{number}");
            assert!(number.starts_with("YW"));
            assert!(number[2..].bytes().all(|b| b.is_ascii_digit()), "{number}");
        }
    }
}
