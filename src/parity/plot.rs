//! The premium chart: one marked line per tokenizer over the languages, log scale, with the
//! parity line at 1.0.
//!
//! Drawn with plotters' SVG backend, which writes text as SVG `<text>` elements (font family
//! `sans-serif`) and so needs no font files or font-rendering feature: the viewer picks the font.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ParityReport;
use crate::render::chart::COLORS;
use crate::{Error, Result};

/// Unknown-token rate from which a point gets a ring.
const UNK_RING_RATE: f64 = 0.01;

/// Renders the premium of every language under every tokenizer as an SVG document.
///
/// Languages run along the x axis, labelled with their codes and ordered by the first
/// tokenizer's premium (ascending; ties by code), so that tokenizer's line rises left to right
/// and the others can be read against it. The y axis is logarithmic (a premium of 2 and of ½ are
/// equally far from parity); a dashed line marks premium 1.0, the pivot's cost. The legend names
/// the tokenizers with their mean premium. Points of languages with at least 1% unknown tokens
/// are ringed: part of their text maps to the unknown token, so their premium is a lower bound.
/// The output depends only on the report.
pub fn premium_svg(report: &ParityReport) -> Result<String> {
    let Some(first) = report.tokenizers.first() else {
        return Err(Error::InvalidArgument(
            "nothing to plot: no tokenizer".into(),
        ));
    };
    let n = first.languages.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let (la, lb) = (&first.languages[a], &first.languages[b]);
        la.premium
            .total_cmp(&lb.premium)
            .then_with(|| la.language.cmp(&lb.language))
    });
    let labels: Vec<String> = order
        .iter()
        .map(|&i| first.languages[i].language.clone())
        .collect();
    let all = report
        .tokenizers
        .iter()
        .flat_map(|t| t.languages.iter().map(|l| l.premium))
        .filter(|p| *p > 0.0 && p.is_finite());
    let (lo, hi) = all.fold((1.0f64, 1.0f64), |(lo, hi), p| (lo.min(p), hi.max(p)));
    let (lo, hi) = (lo / 1.25, hi * 1.25);

    let width = (160 + 22 * n as u32).max(820);
    let height = 640;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root, report, &order, &labels, lo, hi).map_err(|e| plot_error(&e))?;
        root.present().map_err(|e| plot_error(&e))?;
    }
    Ok(svg)
}

fn plot_error(e: &dyn std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("cannot draw the premium chart: {e}"))
}

type DrawResult = std::result::Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// The chart's coordinates: language positions along x, premium on a log scale along y.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, LogCoord<f64>>>;

fn draw(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    report: &ParityReport,
    order: &[usize],
    labels: &[String],
    lo: f64,
    hi: f64,
) -> DrawResult {
    root.fill(&WHITE)?;
    let mut chart = axes(root, report, labels.len(), lo, hi)?;
    parity_line(&mut chart, report, labels.len())?;
    for (k, tok) in report.tokenizers.iter().enumerate() {
        tokenizer_line(&mut chart, tok, order, COLORS[k % COLORS.len()])?;
    }
    language_labels(root, &chart, labels, lo)?;
    unknown_rings(&mut chart, report, order)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;
    Ok(())
}

/// The caption, the axes and the y mesh; the x labels are drawn by [`language_labels`].
fn axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    report: &ParityReport,
    n: usize,
    lo: f64,
    hi: f64,
) -> std::result::Result<Chart<'a, 'b>, DrawingAreaErrorKind<std::io::Error>> {
    let caption = format!(
        "Tokenization premium relative to {} ({} aligned sentences; lower is fairer)",
        report.pivot, report.sentences
    );
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(90)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        // `label_style` sets both axes, so it comes before the x-specific (rotated) style.
        .label_style(("sans-serif", 13))
        // Language labels are drawn below, rotated and left-aligned under each point; the mesh
        // only draws the tick marks.
        .x_labels(n.max(1))
        .x_label_formatter(&|_| String::new())
        .disable_x_mesh()
        .y_labels(10)
        .y_label_formatter(&|y: &f64| {
            let s = format!("{y:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        })
        .max_light_lines(1)
        .y_desc(format!(
            "premium = tokens / {} tokens (log scale)",
            report.pivot
        ))
        .axis_desc_style(("sans-serif", 15))
        .draw()?;
    Ok(chart)
}

/// The dashed line at premium 1.0: the pivot's own cost.
fn parity_line(chart: &mut Chart, report: &ParityReport, n: usize) -> DrawResult {
    chart
        .draw_series(DashedLineSeries::new(
            [(-0.5, 1.0), (n as f64 - 0.5, 1.0)],
            8,
            5,
            BLACK.stroke_width(1),
        ))?
        .label(format!("parity with {} (1.0)", report.pivot))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    Ok(())
}

/// One tokenizer's premiums as a marked line, in the chart's language order.
fn tokenizer_line(
    chart: &mut Chart,
    tok: &super::TokenizerParity,
    order: &[usize],
    color: RGBColor,
) -> DrawResult {
    let points: Vec<(f64, f64)> = order
        .iter()
        .enumerate()
        .filter_map(|(x, &i)| {
            let p = tok.languages.get(i)?.premium;
            (p > 0.0 && p.is_finite()).then_some((x as f64, p))
        })
        .collect();
    chart
        .draw_series(LineSeries::new(
            points.iter().copied(),
            color.stroke_width(2),
        ))?
        .label(format!(
            "{} (mean premium {:.2})",
            tok.name, tok.summary.mean_premium
        ))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3)));
    chart.draw_series(
        points
            .iter()
            .map(|&(x, y)| Circle::new((x, y), 3, color.filled())),
    )?;
    Ok(())
}

/// The language codes under the x axis, rotated and left-aligned under each point.
fn language_labels(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &Chart,
    labels: &[String],
    lo: f64,
) -> DrawResult {
    let label_style = ("sans-serif", 13)
        .into_font()
        .transform(FontTransform::Rotate90)
        .into_text_style(root)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (x, label) in labels.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(x as f64, lo));
        root.draw(&Text::new(label.clone(), (px, py + 8), label_style.clone()))?;
    }
    Ok(())
}

/// Rings the points of languages that come out with unknown tokens: their text is partly
/// lost, so their premium understates the cost of representing them. One legend entry.
fn unknown_rings(chart: &mut Chart, report: &ParityReport, order: &[usize]) -> DrawResult {
    let mut ringed = false;
    for tok in &report.tokenizers {
        let rings: Vec<(f64, f64)> = order
            .iter()
            .enumerate()
            .filter_map(|(x, &i)| {
                let l = tok.languages.get(i)?;
                (l.unk_rate >= UNK_RING_RATE && l.premium > 0.0).then_some((x as f64, l.premium))
            })
            .collect();
        if rings.is_empty() {
            continue;
        }
        let series = chart.draw_series(
            rings
                .into_iter()
                .map(|(x, y)| Circle::new((x, y), 7, BLACK.stroke_width(1))),
        )?;
        if !ringed {
            series
                .label(format!(
                    "≥ {:.0}% unknown tokens (text lost; premium understated)",
                    UNK_RING_RATE * 100.0
                ))
                .legend(|(x, y)| Circle::new((x + 10, y), 6, BLACK.stroke_width(1)));
            ringed = true;
        }
    }
    Ok(())
}
