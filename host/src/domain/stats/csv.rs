//! The report as CSV, one row per department and item, written by the `csv` crate (RFC 4180).
//! Only the layout of the figures: how they are counted is the report's business, and the
//! content type and file name are the handlers' (`http/stats.rs`, `web/stats.rs`).

use ::csv::{QuoteStyle, Terminator, WriterBuilder};

use super::Report;

/// The CSV columns, in order.
const COLUMNS: [&str; 15] = [
    "department",
    "item",
    "received",
    "completed",
    "completed_on_time",
    "completed_overdue",
    "open",
    "average_handling_days",
    "satisfaction_average",
    "satisfaction_count",
    "channel_web",
    "channel_mobile",
    "channel_wechat",
    "channel_alipay",
    "channel_department",
];

impl Report {
    /// One row per (department, item), with a header; averages with 2 decimals, empty when there
    /// is nothing to average.
    pub fn to_csv(&self) -> String {
        self.write_csv()
            .expect("rows of one width written to memory as UTF-8 cannot fail")
    }

    fn write_csv(&self) -> anyhow::Result<String> {
        // Every row ends with CRLF (the crate's default is LF); a field is quoted only when it
        // holds a comma, a quote, CR or LF, and a quote inside is doubled. Set explicitly, since
        // the API's CSV is compared byte for byte.
        let mut out = WriterBuilder::new()
            .terminator(Terminator::CRLF)
            .quote_style(QuoteStyle::Necessary)
            .double_quote(true)
            .from_writer(Vec::new());
        out.write_record(COLUMNS)?;
        let average = |x: Option<f64>| x.map(|x| format!("{x:.2}")).unwrap_or_default();
        for department in &self.departments {
            for item in &department.items {
                let f = &item.figures;
                let c = &f.by_channel;
                out.write_record([
                    department.department.clone(),
                    item.item.clone(),
                    f.received.to_string(),
                    f.completed.to_string(),
                    f.completed_on_time.to_string(),
                    f.completed_overdue.to_string(),
                    f.open.to_string(),
                    average(f.average_handling_days),
                    average(f.satisfaction.average),
                    f.satisfaction.count.to_string(),
                    c.web.to_string(),
                    c.mobile.to_string(),
                    c.wechat.to_string(),
                    c.alipay.to_string(),
                    c.department.to_string(),
                ])?;
            }
        }
        Ok(String::from_utf8(out.into_inner()?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ByChannel, DepartmentStats, Figures, ItemStats, Satisfaction, Tally};
    use super::*;

    const HEADER: &str = "department,item,received,completed,completed_on_time,\
completed_overdue,open,average_handling_days,satisfaction_average,satisfaction_count,\
channel_web,channel_mobile,channel_wechat,channel_alipay,channel_department\r\n";

    fn report(departments: Vec<(&str, Vec<(&str, Figures)>)>) -> Report {
        Report {
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            departments: departments
                .into_iter()
                .map(|(department, items)| DepartmentStats {
                    department: department.into(),
                    figures: Tally::default().figures(),
                    items: items
                        .into_iter()
                        .map(|(item, figures)| ItemStats {
                            item: item.into(),
                            figures,
                        })
                        .collect(),
                })
                .collect(),
            received_by_day: Vec::new(),
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let none = || Tally::default().figures();
        let csv = report(vec![
            ("plain", vec![("a,b", none()), ("say \"hi\"", none())]),
            ("公安局", vec![("two\nlines", none()), ("cr\r", none())]),
        ])
        .to_csv();
        let zeros = "0,0,0,0,0,,,0,0,0,0,0,0";
        assert_eq!(
            csv,
            format!(
                "{HEADER}\
                 plain,\"a,b\",{zeros}\r\n\
                 plain,\"say \"\"hi\"\"\",{zeros}\r\n\
                 公安局,\"two\nlines\",{zeros}\r\n\
                 公安局,\"cr\r\",{zeros}\r\n"
            )
        );
    }

    #[test]
    fn csv_has_a_header_and_one_row_per_item_with_averages_to_2_decimals() {
        let figures = Figures {
            received: 6,
            completed: 5,
            completed_on_time: 4,
            completed_overdue: 1,
            open: 1,
            average_handling_days: Some(4.0),
            satisfaction: Satisfaction {
                average: Some(3.456),
                count: 4,
            },
            by_channel: ByChannel {
                web: 1,
                mobile: 1,
                wechat: 2,
                alipay: 1,
                department: 1,
            },
        };
        assert_eq!(report(Vec::new()).to_csv(), HEADER, "the header alone");
        assert_eq!(
            report(vec![("GA", vec![("vehicle", figures)])]).to_csv(),
            format!("{HEADER}GA,vehicle,6,5,4,1,1,4.00,3.46,4,1,1,2,1,1\r\n")
        );
    }
}
