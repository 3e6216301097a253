//! Bar charts as SVG, drawn on the server: plain shapes and text, no script, no fonts to load
//! (the browser's own sans-serif). Written by hand rather than with `plotters`: its SVG
//! backend lays out text through a font backend (`ttf` reads system fonts with font-kit), which
//! is more than a few bars need. Every chart has a `<title>` and `role="img"`, and the page
//! shows the same figures in a table beside it (WCAG: the chart is never the only carrier).

use maud::{html, Markup};

/// One bar: its label, its value and the text shown at its end.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
}

/// Horizontal bars, scaled to `max` (or the largest value).
pub fn bars(title: &str, bars: &[Bar], max: Option<f64>) -> Markup {
    let row = 28.0;
    let label_w = 260.0;
    let bar_w = 330.0;
    let width = label_w + bar_w + 110.0;
    let height = row * bars.len().max(1) as f64 + 10.0;
    let top = max
        .unwrap_or_else(|| bars.iter().map(|b| b.value).fold(0.0, f64::max))
        .max(f64::MIN_POSITIVE);
    html! {
        figure class="grafiek" {
            svg xmlns="http://www.w3.org/2000/svg" viewBox={"0 0 " (width) " " (height)}
                role="img" aria-label=(title) {
                title { (title) }
                @for (i, b) in bars.iter().enumerate() {
                    @let y = 5.0 + row * i as f64;
                    @let w = (b.value / top).clamp(0.0, 1.0) * bar_w;
                    text x=(label_w - 8.0) y=(y + 18.0) text-anchor="end" font-size="13"
                        font-family="sans-serif" fill="#1b1b1b" { (b.label) }
                    rect x=(label_w) y=(y + 4.0) width=(format!("{w:.1}")) height="18" fill="#00507a" {}
                    text x=(label_w + w + 6.0) y=(y + 18.0) font-size="13" font-family="sans-serif"
                        fill="#1b1b1b" { (b.text) }
                }
            }
            figcaption class="stil" { (title) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_carry_their_text() {
        let svg = bars(
            "Berichten",
            &[
                Bar {
                    label: "jan".into(),
                    value: 10.0,
                    text: "10".into(),
                },
                Bar {
                    label: "feb".into(),
                    value: 5.0,
                    text: "5".into(),
                },
            ],
            None,
        )
        .into_string();
        assert!(svg.contains(r#"width="330.0""#), "{svg}");
        assert!(svg.contains(r#"width="165.0""#), "{svg}");
        assert!(svg.contains("<title>Berichten</title>"));
        assert!(!svg.contains("style="), "no inline style under the CSP");
    }
}
