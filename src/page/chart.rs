//! Bar charts as inline SVG (drawn with the `svg` crate): no script, no font, no external
//! reference, so a page that holds one loads nothing.

use svg::node::element::SVG;
use svg::node::element::{Group, Line, Rectangle, Text, Title};

/// One bar: its axis label, its value (any sign) and the tooltip text.
pub struct Bar {
    /// Under the bar.
    pub label: String,
    /// Height (negative bars go below the zero line).
    pub value: f64,
    /// Shown on hover (`<title>`).
    pub tip: String,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 64.0;
const BOTTOM: f64 = 36.0;
const TOP: f64 = 16.0;

/// A bar chart of `bars` in a `<figure>` captioned `title`, the y axis captioned `unit`, every
/// `every`-th bar labelled.
pub fn bars(title: &str, unit: &str, bars: &[Bar], every: usize) -> String {
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let min = bars.iter().map(|b| b.value).fold(0.0_f64, f64::min);
    let span = if max - min > 0.0 { max - min } else { 1.0 };
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |v: f64| TOP + (max - v) / span * plot_h;
    let zero = y(0.0);
    let slot = (WIDTH - LEFT - 8.0) / bars.len().max(1) as f64;
    let mut chart = SVG::new()
        .set("viewBox", (0, 0, WIDTH, HEIGHT))
        .set("width", "100%")
        .set("role", "img")
        .set("aria-label", title)
        .set("class", "chart");
    chart = chart.add(Title::new(title));
    // Axis: zero line, top and bottom values.
    chart = chart.add(
        Line::new()
            .set("x1", LEFT)
            .set("x2", WIDTH - 4.0)
            .set("y1", zero)
            .set("y2", zero)
            .set("class", "axis"),
    );
    for v in [max, min] {
        if v != 0.0 || (max == 0.0 && min == 0.0) {
            chart = chart.add(
                Text::new(format!("{v:.2}"))
                    .set("x", LEFT - 6.0)
                    .set("y", y(v) + 4.0)
                    .set("text-anchor", "end")
                    .set("class", "tick"),
            );
        }
    }
    chart = chart.add(
        Text::new(unit)
            .set("x", 4.0)
            .set("y", TOP - 4.0)
            .set("class", "tick"),
    );
    let mut group = Group::new().set("class", "bars");
    for (i, bar) in bars.iter().enumerate() {
        let x = LEFT + i as f64 * slot + slot * 0.1;
        let (top, h) = if bar.value >= 0.0 {
            (y(bar.value), zero - y(bar.value))
        } else {
            (zero, y(bar.value) - zero)
        };
        let class = if bar.value < 0.0 { "neg" } else { "pos" };
        group = group.add(
            Rectangle::new()
                .set("x", x)
                .set("y", top)
                .set("width", slot * 0.8)
                .set("height", h.max(0.5))
                .set("class", class)
                .add(Title::new(bar.tip.as_str())),
        );
        if every > 0 && i % every == 0 {
            group = group.add(
                Text::new(bar.label.as_str())
                    .set("x", x + slot * 0.4)
                    .set("y", HEIGHT - BOTTOM + 14.0)
                    .set("text-anchor", "middle")
                    .set("class", "tick"),
            );
        }
    }
    // Inline in HTML5 an <svg> needs no namespace; leaving it out keeps the page free of
    // anything that even looks like an address.
    let svg = chart
        .add(group)
        .to_string()
        .replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    format!(
        "<figure>\n<figcaption>{}</figcaption>\n{svg}\n</figure>\n",
        super::escape(title)
    )
}
