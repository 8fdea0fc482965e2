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
    replace_numbers(text, |number| match number {
        Number::Id(id) => Some(mask_id_number(id)),
        Number::Mobile(_) => None,
    })
}

/// A number found in text: an ID number, or an 11-digit mobile number (`1[3-9]…`).
enum Number<'a> {
    Id(&'a str),
    Mobile(&'a str),
}

/// The text with each ID or mobile number that `f` answers for replaced by its answer. A number is
/// never part of a longer run of digits.
fn replace_numbers(text: &str, mut f: impl FnMut(Number<'_>) -> Option<String>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit()) {
            let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let check_x = digits == 17 && matches!(chars.get(i + 17), Some('X' | 'x'));
            let mobile = digits == 11 && chars[i] == '1' && matches!(chars[i + 1], '3'..='9');
            let len = match digits {
                18 | 15 | 11 => digits,
                17 if check_x => 18,
                _ => 0,
            };
            let found: String = chars[i..i + len].iter().collect();
            let number = match len {
                11 if mobile => Some(Number::Mobile(&found)),
                11 | 0 => None,
                _ => Some(Number::Id(&found)),
            };
            match number.and_then(&mut f) {
                Some(replacement) => {
                    out.push_str(&replacement);
                    i += len;
                }
                None => {
                    out.extend(&chars[i..i + digits]);
                    i += digits;
                }
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The text with each 18-digit ID number replaced by a stand-in that keeps what an item may
/// compute from it (the region, the birth date and the sex) and a valid check character, and
/// each mobile number by one that keeps its first three and last four digits: the same input
/// always gives the same stand-in, so a case exported as a fixture replays as it ran.
pub fn pseudonymize_in(text: &str) -> String {
    replace_numbers(text, |number| match number {
        Number::Id(id) if id.len() == 18 => {
            let body = format!("{}00{}", &id[..14], &id[16..17]);
            Some(format!("{body}{}", id_check_character(&body)))
        }
        Number::Id(_) => None,
        Number::Mobile(phone) => Some(format!("{}0000{}", &phone[..3], &phone[7..])),
    })
}

/// The check character of an ID number's first 17 digits (GB 11643).
fn id_check_character(body: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize]
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

    #[test]
    fn stand_ins_keep_region_birth_date_sex_and_a_valid_check_character() {
        let text =
            "申请人 441900199001011234，电话 13812345678，车 粤S12345，账号 6222021234567890123";
        let shown = pseudonymize_in(text);
        assert_eq!(
            shown,
            "申请人 441900199001010036，电话 13800005678，车 粤S12345，账号 6222021234567890123"
        );
        assert_eq!(id_check_character("44190019900101123"), '1');
        assert_eq!(pseudonymize_in(text), shown);
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
