//! The animated backward figure (`gradviz render X --animate`): the still figure, its grads
//! filling in step by step in backward's order, looping, with a footer that counts the steps
//! and gives each step's chain-rule line.
//!
//! The figure is the one `render` draws (same engine, layout and numbers); [`svg::prepare`]
//! finds each value's grad text by the SVG contract. Each grad text becomes one `<text>` per
//! grad the value shows during the replay ([`replay`]), each visible during its interval by a
//! SMIL `<animate attributeName="visibility" calcMode="discrete">` on one looping clock:
//! GitHub shows an SVG in `<img>` in its "secure animated mode", where SMIL plays and scripts
//! do not. A grad that has just changed is drawn in [`FRESH_FILL`], and so is an outline of
//! what the step runs (the seeded root's record, the op node of a local backward). After the
//! last step the result is held, drawn as the still figure: that frame is also what a viewer
//! that plays no SMIL shows.
//!
//! `--format png` writes an APNG of the same frames, each a still SVG ([`Mode::Still`])
//! rasterised by resvg (the `builtin` feature).
//!
//! The numbers come from the replay, so the last frame is the engine's backward to the bit;
//! nothing depends on a clock or an address, so the same input gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;

use super::replay::{replay, Replay, StepKind};
use super::svg;
use crate::error::thousands;
use crate::figure::escape::xml_escape;
use crate::figure::{format_number, ElementId, NodeId};
use crate::graph::{self, ExportGraph};
use crate::input::Drawing;
use crate::render::{self, text_width, Drawn, Format, Options};
use crate::{Error, Result};

/// The prefix [`svg::prepare`] gives the figure's ids.
const PREFIX: &str = "a";
/// The colour of a grad in the step that changed it, and of the step's outline.
pub const FRESH_FILL: &str = "#d9480f";
/// How long one step shows, in a replay of at most [`CALM_STEPS`] steps.
const STEP_MS: u32 = 1000;
/// A longer replay shares [`CALM_STEPS`] seconds among its steps, each at least [`FASTEST_MS`].
const CALM_STEPS: u32 = 20;
const FASTEST_MS: u32 = 100;
/// How long backward's result is held before the loop starts again.
const HOLD_MS: u32 = 3000;
/// The footer's font size, line height and margin, in the figure's units (points).
const FOOTER_FONT: f64 = 14.0;
const FOOTER_LINE: f64 = 18.0;
const FOOTER_MARGIN: f64 = 8.0;
/// The most frames an APNG gets: one per step, each a whole raster of the figure.
pub const MOST_RASTER_FRAMES: usize = 400;

/// The backward animations of a script's figures: one per distinct graph. A snapshot whose
/// values (ids and data) are those of a later one is that graph before its backward, which
/// the later one's animation already starts from, so it is left out (`neuron.py` draws its
/// neuron before and after `backward()`: one animation).
pub fn distinct(drawings: Vec<Drawing>) -> Vec<Drawing> {
    let mut kept: Vec<Drawing> = Vec::with_capacity(drawings.len());
    for drawing in drawings.into_iter().rev() {
        if !kept
            .iter()
            .any(|later| same_values(&drawing.graph, &later.graph))
        {
            kept.push(drawing);
        }
    }
    kept.reverse();
    kept
}

fn same_values(a: &ExportGraph, b: &ExportGraph) -> bool {
    a.node_count() == b.node_count()
        && a.edge_count() == b.edge_count()
        && a.node_weights()
            .zip(b.node_weights())
            .all(|(x, y)| x.id == y.id && x.data.to_bits() == y.data.to_bits())
}

/// `drawing`'s backward animated: an SVG, or for [`Format::Png`] an APNG.
///
/// # Errors
/// [`Error::Usage`] for a view (`--group`, `--fold`, `--color`: no record per value to fill
/// in) or a format other than svg and png; the engine's and the replay's errors.
pub fn animation(drawing: &Drawing, format: Format, options: &Options) -> Result<Drawn> {
    if !options.view.is_plain() {
        return Err(Error::Usage(
            "--animate fills in every value's grad; --group, --fold and --color are for still \
             figures"
                .into(),
        ));
    }
    if !matches!(format, Format::Svg | Format::Png) {
        return Err(Error::Usage(format!(
            "--animate writes svg (SMIL, for READMEs and docs) or png (an APNG), not {}",
            format.extension()
        )));
    }
    let values = drawing.graph.node_count();
    if options.view.draws_overview(values) {
        return Err(Error::Usage(format!(
            "--animate fills in every value's grad, one local backward at a time, and a graph \
             of {} values is drawn as its overview; animate a smaller graph (--snapshot N \
             picks another figure), or add --full to animate every value",
            thousands(values)
        )));
    }
    let options = options.directed(drawing.rankdir);
    let mut still = Vec::new();
    let notes = render::draw_drawing_to(drawing, Format::Svg, &options, &mut still)?;
    let graph = &drawing.graph;
    let precision = options.dot.precision;
    let replayed = replay(graph, &graph::sinks(graph), precision)?;
    let animated = Animation::new(
        &String::from_utf8_lossy(&still),
        graph,
        &replayed,
        precision,
    )?;
    let bytes = match format {
        Format::Png => apng(&animated)?,
        _ => animated.write(Mode::Animated).into_bytes(),
    };
    Ok(Drawn { bytes, notes })
}

/// What a figure is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every step, on a looping clock.
    Animated,
    /// Frame `k` alone, nothing moving (an APNG's frame).
    Still(usize),
}

/// A figure ready to be written animated or as any one step.
pub struct Animation {
    /// The figure, its ids prefixed by [`svg::prepare`].
    svg: String,
    /// Each value's grad text, in the order of their places in `svg`.
    slots: Vec<Slot>,
    /// The root element's `width`, `height` and `viewBox` values.
    size: [Range<usize>; 3],
    /// Where the outlines go: before the end of the figure's top group.
    overlay_at: usize,
    /// Where the background goes: after the root element's start tag.
    background_at: usize,
    /// The figure's width and height, in its units.
    width: f64,
    height: f64,
    /// The ratio of the root's `width` to its `viewBox` width (1 for Graphviz's points).
    scale: f64,
    /// Per frame: its footer lines and its outline; each step of the replay, then the result
    /// held (drawn as the still figure, the frame a viewer without SMIL shows).
    steps: Vec<StepView>,
}

/// One value's grad text and the grads it shows.
struct Slot {
    range: Range<usize>,
    /// The text element's start tag without its id, and without the closing `>`.
    start_tag: String,
    states: Vec<State>,
}

/// A grad a value shows, from step `from` until its next state's.
#[derive(Debug, Clone, PartialEq)]
struct State {
    from: usize,
    text: String,
    /// Changed in this very step: drawn in [`FRESH_FILL`].
    fresh: bool,
}

struct StepView {
    lines: Vec<String>,
    outline: Option<String>,
}

impl Animation {
    /// The animation of `replayed` over `still`, the figure `render` draws of `graph`.
    ///
    /// # Errors
    /// [`Error::Render`] when the SVG breaks the contract of [`svg`].
    pub fn new(
        still: &str,
        graph: &ExportGraph,
        replayed: &Replay,
        precision: usize,
    ) -> Result<Self> {
        let drawn: Vec<String> = graph
            .node_weights()
            .map(|n| format!("grad {}", format_number(n.grad, precision)))
            .collect();
        let values: BTreeMap<u64, svg::ValueText> = graph
            .node_indices()
            .map(|node| {
                let text = &drawn[node.index()];
                let texts = svg::ValueText {
                    drawn: text.clone(),
                    initial: text.clone(),
                };
                (graph[node].id, texts)
            })
            .collect();
        let prepared = svg::prepare(still, PREFIX, &values)?;
        let doc = roxmltree::Document::parse(&prepared)
            .map_err(|e| Error::Render(format!("the animated figure does not parse: {e}")))?;
        let by_id: BTreeMap<&str, roxmltree::Node> = doc
            .descendants()
            .filter_map(|node| node.attribute("id").map(|id| (id, node)))
            .collect();
        let states = states(graph, replayed, precision);
        let mut slots = Vec::with_capacity(graph.node_count());
        for node in graph.node_indices() {
            let id = format!("{PREFIX}-{}", ElementId::Grad(graph[node].id));
            let text = *by_id
                .get(id.as_str())
                .ok_or_else(|| unreadable(&format!("has no grad text {id}")))?;
            slots.push(slot(&prepared, text, &id, states[node.index()].clone())?);
        }
        slots.sort_by_key(|slot| slot.range.start);
        let root = doc.root_element();
        let attribute = |name: &str| {
            root.attributes()
                .find(|a| a.name() == name)
                .ok_or_else(|| unreadable(&format!("has no {name}")))
        };
        let (width, height, view_box) = (
            attribute("width")?,
            attribute("height")?,
            attribute("viewBox")?,
        );
        let view: Vec<f64> = view_box
            .value()
            .split([' ', ','])
            .filter_map(|n| n.parse().ok())
            .collect();
        let [_, _, view_width, view_height] = view[..] else {
            return Err(unreadable("has a viewBox that is not four numbers"));
        };
        let width_points: f64 = points(width.value())?;
        let top = root
            .children()
            .find(|c| c.attribute("class") == Some("graph"))
            .ok_or_else(|| unreadable("has no top group of class graph"))?;
        let overlay_at = top.range().end - "</g>".len();
        if !prepared[..top.range().end].ends_with("</g>") {
            return Err(unreadable("has a top group that does not end in </g>"));
        }
        let background_at = root.range().start
            + prepared[root.range().start..]
                .find('>')
                .ok_or_else(|| unreadable("has no start tag"))?
            + 1;
        let steps = step_views(graph, replayed, &by_id);
        Ok(Animation {
            slots,
            size: [
                width.range_value(),
                height.range_value(),
                view_box.range_value(),
            ],
            overlay_at,
            background_at,
            width: view_width,
            height: view_height,
            scale: width_points / view_width,
            steps,
            svg: prepared,
        })
    }

    /// How many frames: step 0, each step of backward, and the result held.
    pub fn frames(&self) -> usize {
        self.steps.len()
    }

    /// How long frame `k` shows when playing, in milliseconds.
    pub fn frame_ms(&self, k: usize) -> u32 {
        if k + 1 == self.steps.len() {
            HOLD_MS
        } else {
            self.step_ms()
        }
    }

    /// One step's time: a second, or a share of [`CALM_STEPS`] seconds in a long replay.
    fn step_ms(&self) -> u32 {
        let steps = u32::try_from(self.steps.len() - 1).unwrap_or(u32::MAX);
        if steps <= CALM_STEPS {
            STEP_MS
        } else {
            (CALM_STEPS * STEP_MS / steps).max(FASTEST_MS)
        }
    }

    /// When frame `k` starts, in milliseconds into the loop.
    fn start_ms(&self, k: usize) -> u64 {
        u64::from(self.step_ms()) * k as u64
    }

    fn loop_ms(&self) -> u64 {
        self.start_ms(self.steps.len() - 1) + u64::from(HOLD_MS)
    }

    /// The figure's SVG in `mode`.
    pub fn write(&self, mode: Mode) -> String {
        let footer_lines = self.steps.iter().map(|s| s.lines.len()).max().unwrap_or(0);
        let footer_height = FOOTER_MARGIN + footer_lines as f64 * FOOTER_LINE;
        let widest_line = self
            .steps
            .iter()
            .flat_map(|s| &s.lines)
            .map(|line| text_width(line, FOOTER_FONT))
            .fold(0.0, f64::max);
        let width = self.width.max(widest_line + 2.0 * FOOTER_MARGIN);
        let height = self.height + footer_height;
        let mut edits: Vec<(Range<usize>, String)> = vec![
            (
                self.size[0].clone(),
                format!("{}pt", number(width * self.scale)),
            ),
            (
                self.size[1].clone(),
                format!("{}pt", number(height * self.scale)),
            ),
            (
                self.size[2].clone(),
                format!("0.00 0.00 {} {}", number(width), number(height)),
            ),
            (
                self.background_at..self.background_at,
                "\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>".into(),
            ),
            (self.overlay_at..self.overlay_at, self.outlines(mode)),
        ];
        for slot in &self.slots {
            edits.push((slot.range.clone(), self.slot_texts(slot, mode)));
        }
        let mut out = svg::apply(&self.svg, edits);
        let end = out.rfind("</svg>").unwrap_or(out.len());
        out.insert_str(end, &self.footer(mode));
        out
    }

    /// The `<animate>` showing an element during steps `from..to` (to the loop's end for the
    /// held result), and the element's own visibility, which is the held result's: what a viewer
    /// without SMIL shows.
    fn visibility(&self, from: usize, to: usize) -> (&'static str, String) {
        let last = self.steps.len();
        let shown_at_end = to == last;
        let total = self.loop_ms();
        let fraction = |k: usize| format!("{:.6}", self.start_ms(k) as f64 / total as f64);
        let (values, times) = match (from == 0, shown_at_end) {
            (true, true) => return ("visible", String::new()),
            (true, false) => ("visible;hidden".to_string(), format!("0;{}", fraction(to))),
            (false, true) => (
                "hidden;visible".to_string(),
                format!("0;{}", fraction(from)),
            ),
            (false, false) => (
                "hidden;visible;hidden".to_string(),
                format!("0;{};{}", fraction(from), fraction(to)),
            ),
        };
        let animate = format!(
            "<animate attributeName=\"visibility\" values=\"{values}\" keyTimes=\"{times}\" \
             dur=\"{total}ms\" calcMode=\"discrete\" repeatCount=\"indefinite\"/>"
        );
        (if shown_at_end { "visible" } else { "hidden" }, animate)
    }

    /// A value's grad texts: each state in turn when animated, the one of step `k` when still.
    fn slot_texts(&self, slot: &Slot, mode: Mode) -> String {
        let mut out = String::new();
        for (i, state) in slot.states.iter().enumerate() {
            let to = slot
                .states
                .get(i + 1)
                .map_or(self.steps.len(), |next| next.from);
            let style = if state.fresh {
                format!(" style=\"fill:{FRESH_FILL}\"")
            } else {
                String::new()
            };
            let text = xml_escape(&state.text);
            match mode {
                Mode::Still(k) if (state.from..to).contains(&k) => {
                    let _ = write!(out, "{}{style}>{text}</text>", slot.start_tag);
                }
                Mode::Still(_) => {}
                Mode::Animated => {
                    let (base, animate) = self.visibility(state.from, to);
                    let _ = write!(
                        out,
                        "{} visibility=\"{base}\"{style}>{text}{animate}</text>",
                        slot.start_tag
                    );
                }
            }
        }
        out
    }

    /// Each step's group, `inner` drawing its content, shown during the step.
    fn per_step(&self, mode: Mode, inner: impl Fn(&StepView) -> Option<String>) -> String {
        let mut out = String::new();
        for (k, step) in self.steps.iter().enumerate() {
            let Some(content) = inner(step) else { continue };
            match mode {
                Mode::Still(shown) if shown == k => {
                    let _ = writeln!(out, "<g>{content}</g>");
                }
                Mode::Still(_) => {}
                Mode::Animated => {
                    let (base, animate) = self.visibility(k, k + 1);
                    let _ = writeln!(out, "<g visibility=\"{base}\">{animate}{content}</g>");
                }
            }
        }
        out
    }

    fn outlines(&self, mode: Mode) -> String {
        self.per_step(mode, |step| step.outline.clone())
    }

    /// The step counter and the step's lines, under the figure.
    fn footer(&self, mode: Mode) -> String {
        let top = self.height;
        let steps = self.per_step(mode, |step| {
            let mut out = String::new();
            for (i, line) in step.lines.iter().enumerate() {
                let y = top + (i + 1) as f64 * FOOTER_LINE;
                let _ = write!(
                    out,
                    "<text x=\"{}\" y=\"{}\" font-family=\"Arial\" font-size=\"{}\"{}>{}</text>",
                    number(FOOTER_MARGIN),
                    number(y),
                    number(FOOTER_FONT),
                    if i == 0 { " font-weight=\"bold\"" } else { "" },
                    xml_escape(line)
                );
            }
            Some(out)
        });
        format!("<g id=\"{PREFIX}-steps\" class=\"steps\">\n{steps}</g>\n")
    }
}

/// A value's grad text element as a [`Slot`].
fn slot(prepared: &str, text: roxmltree::Node, id: &str, states: Vec<State>) -> Result<Slot> {
    let content = text
        .first_child()
        .ok_or_else(|| unreadable(&format!("has an empty grad text {id}")))?;
    let start_tag = prepared[text.range().start..content.range().start].replacen(
        &format!(" id=\"{id}\""),
        "",
        1,
    );
    let start_tag = start_tag
        .strip_suffix('>')
        .ok_or_else(|| unreadable(&format!("has a grad text {id} with no start tag")))?
        .to_string();
    Ok(Slot {
        range: text.range(),
        start_tag,
        states,
    })
}

/// Every value's grads over the replay, by node index: 0 at step 0, then each step that
/// changes it (a value used twice by one node, `a * a`, shows the step's last grad).
fn states(graph: &ExportGraph, replayed: &Replay, precision: usize) -> Vec<Vec<State>> {
    let zero = format!("grad {}", format_number(0.0, precision));
    let mut states: Vec<Vec<State>> = (0..graph.node_count())
        .map(|_| {
            vec![State {
                from: 0,
                text: zero.clone(),
                fresh: false,
            }]
        })
        .collect();
    for (k, step) in replayed.steps.iter().enumerate() {
        for change in &step.changes {
            let text = format!("grad {}", format_number(change.grad, precision));
            let value = &mut states[change.node.index()];
            match value.last_mut() {
                Some(last) if last.from == k => last.text = text,
                _ => value.push(State {
                    from: k,
                    text,
                    fresh: true,
                }),
            }
        }
    }
    let frames = replayed.steps.len() + 1;
    states
        .into_iter()
        .map(|value| settle(value, frames))
        .collect()
}

/// `value`'s states with each fresh grad followed, a frame later, by the same grad drawn
/// plain (unless it changes again at once); `frames` counts the held result too, so the
/// last step's grads settle there.
fn settle(value: Vec<State>, frames: usize) -> Vec<State> {
    let mut settled = Vec::with_capacity(value.len() * 2);
    for (i, state) in value.iter().enumerate() {
        settled.push(state.clone());
        let next_from = value.get(i + 1).map_or(frames, |next| next.from);
        if state.fresh && state.from + 1 < next_from {
            settled.push(State {
                from: state.from + 1,
                text: state.text.clone(),
                fresh: false,
            });
        }
    }
    settled
}

/// Each step's footer lines and outline, then the held result's.
fn step_views(
    graph: &ExportGraph,
    replayed: &Replay,
    by_id: &BTreeMap<&str, roxmltree::Node>,
) -> Vec<StepView> {
    let count = replayed.steps.len() - 1;
    replayed
        .steps
        .iter()
        .enumerate()
        .map(|(k, step)| {
            let counter = format!("backward, step {k} of {count}");
            let (mut lines, actor) = match step.kind {
                StepKind::Start => (vec!["every grad starts at 0".to_string()], None),
                StepKind::Seed(root) => (
                    Vec::new(),
                    Some(format!("{PREFIX}-{}", NodeId::Value(graph[root].id))),
                ),
                StepKind::Local(node) => (
                    Vec::new(),
                    Some(format!("{PREFIX}-{}", NodeId::Op(graph[node].id))),
                ),
            };
            lines.extend(
                step.changes
                    .iter()
                    .flat_map(|c| c.text.lines().map(str::to_string)),
            );
            lines.insert(0, counter);
            let outline = actor
                .and_then(|id| by_id.get(id.as_str()).copied())
                .and_then(outline);
            StepView { lines, outline }
        })
        .chain([StepView {
            lines: vec![format!("backward, done in {count} steps")],
            outline: None,
        }])
        .collect()
}

/// An outline over a node's shape (its first ellipse or polygon), in [`FRESH_FILL`].
fn outline(group: roxmltree::Node) -> Option<String> {
    let shape = group
        .children()
        .find(|c| c.has_tag_name("ellipse") || c.has_tag_name("polygon"))?;
    let geometry: &[&str] = if shape.has_tag_name("ellipse") {
        &["cx", "cy", "rx", "ry"]
    } else {
        &["points"]
    };
    let mut out = format!(
        "<{} fill=\"none\" stroke=\"{FRESH_FILL}\" stroke-width=\"3\"",
        shape.tag_name().name()
    );
    for name in geometry {
        let _ = write!(out, " {name}=\"{}\"", shape.attribute(*name)?);
    }
    out.push_str("/>");
    Some(out)
}

/// A length such as `1679pt` or `1679`, in points.
fn points(length: &str) -> Result<f64> {
    length
        .trim_end_matches("pt")
        .parse()
        .map_err(|_| unreadable(&format!("has a size `{length}` that is not in points")))
}

/// A coordinate as the figure writes them: two decimals.
fn number(x: f64) -> String {
    format!("{x:.2}")
}

fn unreadable(what: &str) -> Error {
    Error::Render(format!(
        "the engine's SVG cannot be animated: its root {what}"
    ))
}

/// The frames as an APNG, looping forever, each shown as long as in the SVG.
#[cfg(feature = "builtin")]
fn apng(animation: &Animation) -> Result<Vec<u8>> {
    if animation.frames() > MOST_RASTER_FRAMES {
        return Err(Error::Usage(format!(
            "backward here has {} steps; an APNG of more than {MOST_RASTER_FRAMES} frames \
             would be huge: write the animation as svg",
            animation.frames() - 1
        )));
    }
    let frames = u32::try_from(animation.frames()).map_err(|e| apng_failed(&e))?;
    // The held result first, as the default image a viewer without APNG shows (the still
    // figure), outside the animation; then every frame.
    let held = animation.frames() - 1;
    let (info, default_image) = raster_frame(animation, held)?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, info.width, info.height);
    encoder.set_color(info.color_type);
    encoder.set_depth(info.bit_depth);
    encoder
        .set_animated(frames, 0)
        .map_err(|e| apng_failed(&e))?;
    encoder.set_sep_def_img(true).map_err(|e| apng_failed(&e))?;
    let mut writer = encoder.write_header().map_err(|e| apng_failed(&e))?;
    writer
        .write_image_data(&default_image)
        .map_err(|e| apng_failed(&e))?;
    for k in 0..animation.frames() {
        let drawn;
        let pixels: &[u8] = if k == held {
            &default_image
        } else {
            drawn = raster_frame(animation, k)?.1;
            &drawn
        };
        let ms = u16::try_from(animation.frame_ms(k)).unwrap_or(u16::MAX);
        writer
            .set_frame_delay(ms, 1000)
            .map_err(|e| apng_failed(&e))?;
        writer
            .write_image_data(pixels)
            .map_err(|e| apng_failed(&e))?;
    }
    writer.finish().map_err(|e| apng_failed(&e))?;
    Ok(out)
}

/// Step `k` as pixels, rasterised by resvg as the builtin engine's PNGs are.
#[cfg(feature = "builtin")]
fn raster_frame(animation: &Animation, k: usize) -> Result<(png::OutputInfo, Vec<u8>)> {
    let svg = animation.write(Mode::Still(k));
    let frame =
        graphviz_pure_raster::rasterize(&svg, graphviz_pure_raster::RasterFormat::Png, false)
            .map_err(|e| apng_failed(&e.message().trim_end()))?
            .into_output();
    let mut reader = png::Decoder::new(std::io::Cursor::new(frame))
        .read_info()
        .map_err(|e| apng_failed(&e))?;
    let mut pixels = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader
        .next_frame(&mut pixels)
        .map_err(|e| apng_failed(&e))?;
    pixels.truncate(info.buffer_size());
    Ok((info, pixels))
}

#[cfg(feature = "builtin")]
fn apng_failed(e: &dyn std::fmt::Display) -> Error {
    Error::Render(format!("drawing the APNG failed: {e}"))
}

#[cfg(not(feature = "builtin"))]
fn apng(_: &Animation) -> Result<Vec<u8>> {
    Err(Error::Usage(
        "this gradviz was built without the `builtin` feature, which brings the PNG \
         rasteriser; write the animation as svg"
            .to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(from: usize, text: &str, fresh: bool) -> State {
        State {
            from,
            text: text.into(),
            fresh,
        }
    }

    #[test]
    fn a_fresh_grad_settles_a_step_later_unless_it_changes_again() {
        let value = vec![
            state(0, "grad 0", false),
            state(2, "grad 1", true),
            state(3, "grad 2", true),
        ];
        assert_eq!(
            settle(value, 6),
            vec![
                state(0, "grad 0", false),
                state(2, "grad 1", true),
                state(3, "grad 2", true),
                state(4, "grad 2", false),
            ]
        );
    }

    #[test]
    fn a_grad_fresh_in_the_last_step_settles_in_the_held_result() {
        let value = vec![state(0, "grad 0", false), state(5, "grad 1", true)];
        assert_eq!(
            settle(value, 7),
            vec![
                state(0, "grad 0", false),
                state(5, "grad 1", true),
                state(6, "grad 1", false),
            ]
        );
    }
}
