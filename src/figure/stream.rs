//! How the writers stream: each appends its text to one reused buffer and hands it to the
//! output whenever it grows past [`FLUSH_AT`], so a figure of 400k values is never held
//! whole and the output gets large writes (it needs no `BufWriter`).

use std::io::{self, Write};

/// Buffered bytes handed to the output at once.
pub(crate) const FLUSH_AT: usize = 64 * 1024;

/// An empty buffer with room for one piece and the statement that passes [`FLUSH_AT`].
pub(crate) fn buffer() -> String {
    String::with_capacity(FLUSH_AT + FLUSH_AT / 4)
}

/// Hands `text` to `out` (and empties it) once it holds [`FLUSH_AT`] bytes, or on the
/// `last` call whatever it holds.
pub(crate) fn pass_on<W: Write + ?Sized>(
    text: &mut String,
    out: &mut W,
    last: bool,
) -> io::Result<()> {
    if last || text.len() >= FLUSH_AT {
        out.write_all(text.as_bytes())?;
        text.clear();
    }
    Ok(())
}
