//! A long script parsed on a second thread while the first runs what is parsed: the two
//! halves of a run take about as long each, and the machines gradviz runs on have two
//! cores or more.
//!
//! The parser hands over blocks of [`BLOCK_STATEMENTS`] statements, at most
//! [`BLOCKS_AHEAD`] ahead of the evaluator (a message per statement cost more in
//! synchronisation than it saved), and the evaluator hands each block back once it has run,
//! so the parser writes later statements into its lists: no statement allocates once the
//! blocks circulate. The statement-visiting closure (the subset's fit check) runs on this
//! thread, in statement order, every block included: the parser's thread is the slower of
//! the two, and this one waits for it.
//!
//! What the evaluator does ahead of the parser is speculative: a syntax error further on is
//! the run's error (Python compiles the whole file first), so nothing the evaluator did may
//! show. It prints into its held buffer (the caller holds prints), and stops at the next
//! block once the parser has failed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

use super::diagnostics::Res;
use super::eval::Evaluator;
use super::parser::{Parser, Stmt};
use super::Statements;

/// Statements per block handed from the parser to the evaluator.
pub(super) const BLOCK_STATEMENTS: usize = 512;

/// How many parsed blocks may wait for the evaluator.
const BLOCKS_AHEAD: usize = 2;

/// Parses `source` on a second thread while this one runs its statements, as
/// [`super::run_statements`] does on one (same result, same errors).
pub(super) fn run_statements<'s>(
    mut evaluator: Evaluator<'s>,
    source: &'s str,
    mut visit: impl FnMut(&Stmt<'s>),
) -> Res<Statements<'s>> {
    let failed = AtomicBool::new(false);
    thread::scope(|scope| {
        let (to_evaluator, parsed) = mpsc::sync_channel(BLOCKS_AHEAD);
        let (to_parser, ran) = mpsc::channel();
        let failed = &failed;
        let parser = scope.spawn(move || {
            let parsed = parse_blocks(source, &to_evaluator, &ran);
            failed.store(parsed.is_err(), Ordering::Release);
            parsed
        });
        let mut runtime_error = None;
        for block in parsed {
            if failed.load(Ordering::Acquire) {
                break;
            }
            block.iter().for_each(&mut visit);
            if runtime_error.is_none() {
                runtime_error = run_block(&mut evaluator, &block).err();
            }
            // The parser may have finished and gone: the block is then dropped here.
            let _ = to_parser.send(block);
        }
        drop(to_parser);
        let parser = parser
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        Ok(Statements {
            parser,
            evaluator,
            runtime_error,
        })
    })
}

/// Runs a block's statements up to the first that fails.
fn run_block<'s>(evaluator: &mut Evaluator<'s>, block: &[Stmt<'s>]) -> Res<()> {
    block
        .iter()
        .try_for_each(|statement| evaluator.exec(statement))
}

/// The parser's side: blocks of statements to `to_evaluator` until the script ends or a
/// statement fails to parse, taking back the blocks that have run from `ran`.
fn parse_blocks<'s>(
    source: &'s str,
    to_evaluator: &SyncSender<Vec<Stmt<'s>>>,
    ran: &Receiver<Vec<Stmt<'s>>>,
) -> Res<Parser<'s>> {
    let mut parser = Parser::new(source)?;
    parser.keep_spares((BLOCKS_AHEAD + 2) * BLOCK_STATEMENTS);
    let mut empty: Vec<Vec<Stmt<'s>>> = Vec::new();
    loop {
        for mut block in ran.try_iter() {
            block
                .drain(..)
                .for_each(|statement| parser.recycle(statement));
            empty.push(block);
        }
        let mut block = empty
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(BLOCK_STATEMENTS));
        let mut ended = false;
        while block.len() < BLOCK_STATEMENTS {
            match parser.next_statement()? {
                Some(statement) => block.push(statement),
                None => {
                    ended = true;
                    break;
                }
            }
        }
        // The evaluator takes every block until the parser has failed, and it only fails
        // here, so a send cannot find the evaluator gone.
        let _ = to_evaluator.send(block);
        if ended {
            return Ok(parser);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::NodeId;
    use crate::graph::to_petgraph;
    use crate::input::json;
    use crate::input::script::{run_statements_here, ScriptOptions};

    /// How a run ended, in comparable form: the whole graph as JSON, what it printed, and
    /// the span and message of its error, syntax or runtime.
    fn outcome(ran: Res<Statements<'_>>) -> (String, String, Option<(usize, String)>) {
        let mut ran = match ran {
            Ok(ran) => ran,
            Err(diag) => {
                return (
                    String::new(),
                    String::new(),
                    Some((diag.span.start, diag.message.clone())),
                )
            }
        };
        let graph = &ran.evaluator.graph;
        let every: Vec<NodeId> = (0..graph.len()).map(NodeId::from_index).collect();
        let text = json::write(&to_petgraph(graph, &every), &[]);
        let error = ran
            .runtime_error
            .as_ref()
            .map(|d| (d.span.start, d.message.clone()));
        (text, ran.evaluator.take_held_prints(), error)
    }

    /// `source` run on one thread and on two, with its prints held: the same outcome.
    fn same_on_one_and_two_threads(source: &str) -> (String, String, Option<(usize, String)>) {
        let evaluator = || {
            let mut evaluator = Evaluator::new(&ScriptOptions::default(), source.len());
            evaluator.hold_prints();
            evaluator
        };
        let one = outcome(run_statements_here(evaluator(), source, |_| {}));
        let two = outcome(run_statements(evaluator(), source, |_| {}));
        assert_eq!(one, two);
        one
    }

    /// The lecture's chain over several blocks, with a network, loops and prints between.
    fn long_script(lines: usize) -> String {
        let mut source = String::from(include_str!("../../../fixtures/mlp.py"));
        source.push_str("x = Value(1.0, label='x')\nprint('start', loss.data)\n");
        for i in 0..lines {
            source.push_str(&format!(
                "x = x * Value(0.999, label='w{i}') + Value(0.001, label='b{i}')\n"
            ));
            if i % 700 == 0 {
                source
                    .push_str("for p in n.parameters():\n    p.data += -0.01 * p.grad\nprint(x)\n");
            }
        }
        source.push_str("x.backward()\nprint(x.grad)\n");
        source
    }

    #[test]
    fn a_long_script_runs_alike_on_one_thread_and_two() {
        let source = long_script(3 * BLOCK_STATEMENTS + 17);
        let (text, prints, error) = same_on_one_and_two_threads(&source);
        assert_eq!(error, None);
        assert!(text.contains("\"label\": \"w1552\""), "the chain is drawn");
        assert!(
            text.contains("\"scopes\""),
            "the network's scopes are numbered"
        );
        assert_eq!(prints.matches("Value(data=").count(), 3, "{prints}");
    }

    #[test]
    fn errors_are_the_same_on_one_thread_and_two() {
        let source = long_script(2 * BLOCK_STATEMENTS);
        let runtime = source.replacen("label='w900')", "label='w900') / 0", 1);
        let (_, prints, error) = same_on_one_and_two_threads(&runtime);
        let (at, message) = error.expect("the division fails");
        assert!(message.contains("negative power"), "{message}");
        assert_eq!(at, runtime.find("/ 0").unwrap());
        assert_eq!(prints.matches("Value(data=").count(), 2, "{prints}");
        for (late, at) in [
            (format!("{runtime}c = (\n"), 2),
            (format!("{source}def f():\n"), 9),
        ] {
            let (text, prints, error) = same_on_one_and_two_threads(&late);
            assert_eq!((text, prints), (String::new(), String::new()));
            assert_eq!(error.map(|(start, _)| start), Some(late.len() - at));
        }
    }
}
