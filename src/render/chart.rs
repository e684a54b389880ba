//! Small SVG charts for reports: grouped bars and lines, drawn with plotters' SVG backend.
//!
//! Text is written as SVG `<text>` elements (font family `sans-serif`), so no font files are
//! needed. The output depends only on the arguments.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{Error, Result};

/// Series colours (Okabe–Ito palette, colour-blind friendly), cycled.
pub const COLORS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// One named series of values, one per category (bars) or x position (lines).
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// Values; `NaN` leaves a gap.
    pub values: Vec<f64>,
}

/// Axis and title texts of a chart.
#[derive(Debug, Clone)]
pub struct Labels {
    /// Caption above the chart.
    pub title: String,
    /// Description under the x axis.
    pub x: String,
    /// Description beside the y axis.
    pub y: String,
}

type DrawResult = std::result::Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn chart_error(e: &dyn std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("cannot draw chart: {e}"))
}

fn y_range(series: &[Series]) -> (f64, f64) {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    (0.0, if max > 0.0 { max * 1.12 } else { 1.0 })
}

/// Grouped vertical bars: one group per category, one bar per series, values printed on bars.
pub fn grouped_bars(
    labels: &Labels,
    categories: &[String],
    series: &[Series],
    decimals: usize,
) -> Result<String> {
    let width = (140 + 40 * categories.len().max(1) * series.len().max(1)) as u32;
    let width = width.clamp(640, 1400);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, 480)).into_drawing_area();
        draw_bars(&root, labels, categories, series, decimals).map_err(|e| chart_error(&e))?;
        root.present().map_err(|e| chart_error(&e))?;
    }
    Ok(svg)
}

fn draw_bars(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    labels: &Labels,
    categories: &[String],
    series: &[Series],
    decimals: usize,
) -> DrawResult {
    root.fill(&WHITE)?;
    let n = categories.len();
    let k = series.len().max(1);
    let (lo, hi) = y_range(series);
    let cats = categories.to_vec();
    let mut chart = ChartBuilder::on(root)
        .caption(&labels.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)?;
    chart
        .configure_mesh()
        .label_style(("sans-serif", 13))
        .disable_x_mesh()
        .x_labels(n.max(1))
        .x_label_formatter(&|x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                cats.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc(&labels.x)
        .y_desc(&labels.y)
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    let group = 0.8;
    let bar = group / k as f64;
    for (j, s) in series.iter().enumerate() {
        let color = COLORS[j % COLORS.len()];
        let bars: Vec<(f64, f64, f64)> = s
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| {
                let x0 = i as f64 - group / 2.0 + bar * j as f64;
                (x0, x0 + bar * 0.92, v)
            })
            .collect();
        chart
            .draw_series(
                bars.iter()
                    .map(|&(x0, x1, v)| Rectangle::new([(x0, 0.0), (x1, v)], color.filled())),
            )?
            .label(&s.name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
        chart.draw_series(bars.iter().map(|&(x0, x1, v)| {
            Text::new(
                format!("{v:.decimals$}"),
                ((x0 + x1) / 2.0 - bar * 0.3, v + (hi - lo) * 0.025),
                ("sans-serif", 11),
            )
        }))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}

/// Lines over numeric x positions (one point per x value), with markers.
pub fn lines(labels: &Labels, xs: &[f64], series: &[Series]) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 480)).into_drawing_area();
        draw_lines(&root, labels, xs, series).map_err(|e| chart_error(&e))?;
        root.present().map_err(|e| chart_error(&e))?;
    }
    Ok(svg)
}

fn draw_lines(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    labels: &Labels,
    xs: &[f64],
    series: &[Series],
) -> DrawResult {
    root.fill(&WHITE)?;
    let (lo, hi) = y_range(series);
    let x0 = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let x1 = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (x0, x1) = if x0.is_finite() && x1 > x0 {
        (x0, x1)
    } else {
        (0.0, 1.0)
    };
    let mut chart = ChartBuilder::on(root)
        .caption(&labels.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(x0 - 0.5..x1 + 0.5, lo..hi)?;
    chart
        .configure_mesh()
        .label_style(("sans-serif", 13))
        .x_labels(xs.len().clamp(2, 20))
        .x_label_formatter(&|x: &f64| format!("{x:.0}"))
        .x_desc(&labels.x)
        .y_desc(&labels.y)
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    for (j, s) in series.iter().enumerate() {
        let color = COLORS[j % COLORS.len()];
        let pts: Vec<(f64, f64)> = xs
            .iter()
            .zip(&s.values)
            .filter(|(_, v)| v.is_finite())
            .map(|(&x, &v)| (x, v))
            .collect();
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))?
            .label(&s.name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
            });
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_deterministic_svg() {
        let labels = Labels {
            title: "t".into(),
            x: "x".into(),
            y: "y".into(),
        };
        let s = vec![Series {
            name: "a".into(),
            values: vec![1.0, 2.0, f64::NAN],
        }];
        let a = grouped_bars(&labels, &["p".into(), "q".into(), "r".into()], &s, 1).unwrap();
        assert!(a.starts_with("<svg") && a.contains("<text"));
        assert_eq!(
            a,
            grouped_bars(&labels, &["p".into(), "q".into(), "r".into()], &s, 1).unwrap()
        );
        let l = lines(&labels, &[1.0, 2.0, 3.0], &s).unwrap();
        assert!(l.contains("<polyline") || l.contains("<path"));
    }
}
