//! Charts drawn as SVG on the server (no JavaScript): the geometry is computed here, and
//! `templates/chart.html` only draws the rectangles and texts it is given. A chart is an image
//! (`role="img"` with its caption as the label); the page gives the same figures as text beside it.
//! Knows nothing of statistics: a chart is a list of labelled values.

/// Width of every chart's view box; the SVG scales to the page.
const WIDTH: f64 = 640.0;

/// Horizontal bars: one row per value, the label above its bar (a department's full name fits
/// the width) and the value's text after the bar.
const BAR_ROW: f64 = 48.0;
const BAR_MAX: f64 = 540.0;

/// Columns over time: the plot area, with the axis' numbers on its left and some labels below.
const PLOT_LEFT: f64 = 48.0;
const PLOT_RIGHT: f64 = 632.0;
const PLOT_TOP: f64 = 24.0;
const PLOT_BOTTOM: f64 = 196.0;
const COLUMNS_HEIGHT: f64 = 224.0;
/// At most this many labels under the columns, evenly spaced, so that they never overlap.
const MAX_AXIS_LABELS: usize = 7;
/// Columns at least this wide (a year's months, a week's days) each get their label and their
/// value's text above them.
const WIDE_SLOT: f64 = 40.0;

const BAR: &str = "#0b4f9c";
const AXIS: &str = "#5a6570";

/// One value to draw.
pub struct Datum {
    /// What the value is of, in full (a department, a day).
    pub label: String,
    pub value: f64,
    /// The value as a reader should read it ("12 件", "87.5%").
    pub text: String,
    /// A shorter label under a column ("11月20日"); the full label otherwise.
    pub short: Option<String>,
}

impl Datum {
    pub fn new(label: impl Into<String>, value: f64, text: impl Into<String>) -> Datum {
        Datum {
            label: label.into(),
            value,
            text: text.into(),
            short: None,
        }
    }

    pub fn short(mut self, short: impl Into<String>) -> Datum {
        self.short = Some(short.into());
        self
    }
}

pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub rects: Vec<Rect>,
    pub texts: Vec<Text>,
    /// Every value as `(label, text)`, in order, for the page to give as text too.
    pub figures: Vec<(String, String)>,
}

pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub fill: &'static str,
    /// The value it stands for, shown on hover ("11月20日：2 件").
    pub title: Option<String>,
}

pub struct Text {
    pub x: f64,
    pub y: f64,
    pub size: u32,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
    pub text: String,
}

/// Rounded to a tenth: enough for a 640-wide view box, and short in the markup.
fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Chart {
    pub fn is_empty(&self) -> bool {
        self.figures.is_empty()
    }

    /// Horizontal bars, the longest `max` (a rate's 100, or the largest value).
    pub fn bars(data: Vec<Datum>, max: f64) -> Chart {
        let mut chart = Chart {
            width: WIDTH,
            height: data.len().max(1) as f64 * BAR_ROW,
            rects: Vec::new(),
            texts: Vec::new(),
            figures: Vec::new(),
        };
        for (i, datum) in data.into_iter().enumerate() {
            let top = i as f64 * BAR_ROW;
            let width = if max > 0.0 {
                (datum.value / max * BAR_MAX).round()
            } else {
                0.0
            };
            chart.texts.push(Text {
                x: 0.0,
                y: top + 16.0,
                size: 14,
                anchor: "start",
                text: datum.label.clone(),
            });
            chart.rects.push(Rect {
                x: 0.0,
                y: top + 22.0,
                width,
                height: 18.0,
                fill: BAR,
                title: None,
            });
            chart.texts.push(Text {
                x: width + 6.0,
                y: top + 36.0,
                size: 14,
                anchor: "start",
                text: datum.text.clone(),
            });
            chart.figures.push((datum.label, datum.text));
        }
        chart
    }

    /// Vertical columns in order (a series over time), scaled to the largest value, with the
    /// axis' 0 and maximum, and a few of the labels under the columns.
    pub fn columns(data: Vec<Datum>) -> Chart {
        let max = data.iter().map(|d| d.value).fold(0.0, f64::max);
        let mut chart = Chart {
            width: WIDTH,
            height: COLUMNS_HEIGHT,
            rects: Vec::new(),
            texts: Vec::new(),
            figures: Vec::new(),
        };
        for (value, y) in [(0.0, PLOT_BOTTOM), (max, PLOT_TOP + 5.0)] {
            chart.texts.push(Text {
                x: PLOT_LEFT - 6.0,
                y,
                size: 12,
                anchor: "end",
                text: format!("{value}"),
            });
        }
        chart.rects.push(Rect {
            x: PLOT_LEFT,
            y: PLOT_BOTTOM,
            width: PLOT_RIGHT - PLOT_LEFT,
            height: 1.0,
            fill: AXIS,
            title: None,
        });
        let slot = (PLOT_RIGHT - PLOT_LEFT) / data.len().max(1) as f64;
        let wide = slot >= WIDE_SLOT;
        let every = if wide {
            1
        } else {
            data.len().div_ceil(MAX_AXIS_LABELS).max(1)
        };
        for (i, datum) in data.into_iter().enumerate() {
            let left = PLOT_LEFT + i as f64 * slot;
            let height = if max > 0.0 {
                datum.value / max * (PLOT_BOTTOM - PLOT_TOP)
            } else {
                0.0
            };
            chart.rects.push(Rect {
                x: tenth(left + slot * 0.1),
                y: tenth(PLOT_BOTTOM - height),
                width: tenth((slot * 0.8).max(1.0)),
                height: tenth(height),
                fill: BAR,
                title: Some(format!("{}：{}", datum.label, datum.text)),
            });
            if wide {
                chart.texts.push(Text {
                    x: tenth(left + slot / 2.0),
                    y: tenth(PLOT_BOTTOM - height - 5.0),
                    size: 12,
                    anchor: "middle",
                    text: datum.text.clone(),
                });
            }
            if i % every == 0 {
                chart.texts.push(Text {
                    x: tenth(left + slot / 2.0),
                    y: PLOT_BOTTOM + 18.0,
                    size: 12,
                    anchor: "middle",
                    text: datum.short.clone().unwrap_or_else(|| datum.label.clone()),
                });
            }
            chart.figures.push((datum.label, datum.text));
        }
        chart
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_drawn_to_scale_under_their_label_with_their_text_after_them() {
        let chart = Chart::bars(
            vec![
                Datum::new("甲", 100.0, "100.0%"),
                Datum::new("乙", 50.0, "50.0%"),
            ],
            100.0,
        );
        assert_eq!(chart.height, 2.0 * BAR_ROW);
        let widths: Vec<f64> = chart.rects.iter().map(|r| r.width).collect();
        assert_eq!(widths, [BAR_MAX, BAR_MAX / 2.0]);
        // The label above its bar, the value's text after it.
        assert!(chart.texts[2].y < chart.rects[1].y);
        assert_eq!(chart.texts[3].x, BAR_MAX / 2.0 + 6.0);
        assert_eq!(chart.figures[1], ("乙".to_string(), "50.0%".to_string()));
    }

    #[test]
    fn columns_scale_to_the_largest_value_and_label_only_a_few() {
        let data = (0..30)
            .map(|i| {
                Datum::new(
                    format!("第{i}天"),
                    f64::from(i % 3),
                    format!("{} 件", i % 3),
                )
                .short(format!("{i}"))
            })
            .collect();
        let chart = Chart::columns(data);
        // The axis line, then one column per value, the tallest filling the plot.
        assert_eq!(chart.rects.len(), 31);
        let tallest = chart.rects[1..]
            .iter()
            .map(|r| r.height)
            .fold(0.0, f64::max);
        assert_eq!(tallest, PLOT_BOTTOM - PLOT_TOP);
        assert_eq!(chart.rects[1].height, 0.0);
        assert_eq!(chart.rects[3].title.as_deref(), Some("第2天：2 件"));
        // 0 and the maximum on the axis, and at most MAX_AXIS_LABELS labels under the columns.
        let labels = chart.texts.iter().filter(|t| t.anchor == "middle").count();
        assert!((2..=MAX_AXIS_LABELS).contains(&labels), "{labels}");
        assert_eq!(chart.texts[1].text, "2");
        assert_eq!(chart.figures.len(), 30);
    }

    #[test]
    fn wide_columns_each_get_their_label_and_their_value() {
        let data = (1..=12)
            .map(|m| {
                Datum::new(format!("2026年{m}月"), f64::from(m), format!("{m} 件"))
                    .short(format!("{m}月"))
            })
            .collect();
        let chart = Chart::columns(data);
        let texts: Vec<&str> = chart.texts.iter().map(|t| t.text.as_str()).collect();
        // The axis' 0 and 12, then each month's value above its column and its label below.
        assert_eq!(texts.len(), 2 + 24);
        assert_eq!(texts[2..6], ["1 件", "1月", "2 件", "2月"]);
        let december = &chart.texts[24];
        assert_eq!(december.y, PLOT_TOP - 5.0, "above the tallest column");
    }

    #[test]
    fn a_chart_of_nothing_but_zeros_draws_flat() {
        let chart = Chart::columns(vec![Datum::new("11月20日", 0.0, "0 件")]);
        assert_eq!(chart.rects[1].height, 0.0);
        assert_eq!(chart.rects[1].y, PLOT_BOTTOM);
        assert!(Chart::bars(Vec::new(), 0.0).is_empty());
    }
}
