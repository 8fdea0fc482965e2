//! Masking of resident identity card numbers (身份证号码) for those who do not need them whole:
//! `441900199001011234` is shown as `4419**********1234`. Pure functions over text and JSON.

use serde_json::Value;

/// `4419**********1234`: the first four and the last four characters kept, the rest starred.
/// Text too short to hide anything is starred whole.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - 8;
    chars[..4]
        .iter()
        .chain(std::iter::repeat_n(&'*', hidden))
        .chain(&chars[chars.len() - 4..])
        .collect()
}

/// The text with every ID number in it masked: a run of 17 digits and a check character (a digit
/// or `X`), or an old 15-digit number, that is not part of a longer run of digits.
pub fn mask_id_numbers_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit()) {
            let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let check_x = digits == 17 && matches!(chars.get(i + 17), Some('X' | 'x'));
            let len = match digits {
                18 | 15 => digits,
                17 if check_x => 18,
                _ => 0,
            };
            if len > 0 {
                let id: String = chars[i..i + len].iter().collect();
                out.push_str(&mask_id_number(&id));
                i += len;
            } else {
                out.extend(&chars[i..i + digits]);
                i += digits;
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Masks the ID numbers in every string of a JSON value, object keys left as they are.
pub fn mask_id_numbers(value: &mut Value) {
    match value {
        Value::String(text) => {
            let masked = mask_id_numbers_in(text);
            if masked != *text {
                *text = masked;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_id_numbers),
        Value::Object(fields) => fields.values_mut().for_each(mask_id_numbers),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn an_id_number_keeps_its_first_and_last_four_characters() {
        assert_eq!(mask_id_number("441900199001011234"), "4419**********1234");
        assert_eq!(mask_id_number("44190019900101123X"), "4419**********123X");
        assert_eq!(mask_id_number("1234"), "****");
    }

    #[test]
    fn id_numbers_inside_text_and_json_are_masked_and_nothing_else() {
        assert_eq!(
            mask_id_numbers_in("法人 441900199001011234，电话 0769-22222222"),
            "法人 4419**********1234，电话 0769-22222222"
        );
        assert_eq!(
            mask_id_numbers_in("x44190019900101123x"),
            "x4419**********123x"
        );
        // A longer run of digits (an account, say) is not an ID number.
        assert_eq!(
            mask_id_numbers_in("4419001990010112345"),
            "4419001990010112345"
        );
        assert_eq!(mask_id_numbers_in("粤S12345"), "粤S12345");
        let mut value = json!({
            "legal_representative_id_number": "441900199001011234",
            "members": [{"id": "441900198501010011", "age": 40}],
            "employees": 12,
        });
        mask_id_numbers(&mut value);
        assert_eq!(
            value,
            json!({
                "legal_representative_id_number": "4419**********1234",
                "members": [{"id": "4419**********0011", "age": 40}],
                "employees": 12,
            })
        );
    }

    proptest! {
        #![proptest_config(crate::seeded::config(256))]

        #[test]
        fn masked_text_never_holds_the_id_number_it_was_given(
            before in "\\PC{0,20}", id in "[1-9][0-9]{16}[0-9X]", after in "\\PC{0,20}",
        ) {
            let text = format!("{before} {id} {after}");
            let masked = mask_id_numbers_in(&text);
            prop_assert!(!masked.contains(&id));
            prop_assert_eq!(masked.chars().count(), text.chars().count());
        }
    }
}
