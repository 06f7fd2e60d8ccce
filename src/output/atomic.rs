//! Writing a file atomically: the bytes go to a temporary file in the target's directory,
//! which is then renamed over the target. A failure leaves no partial file and leaves a
//! previous file of that name untouched.

use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// Writes `bytes` to `path` atomically. The new file gets the permissions of the file it
/// replaces, or the usual ones for a new file (0666 less the umask) on Unix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // The message names the file the user asked for, never the temporary one.
    let io_error = |e| Error::io(path, without_path(e));
    let file_name = path.file_name().ok_or_else(|| {
        io_error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let prefix = format!(".{}.", file_name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    if let Some(permissions) = existing.clone().or_else(new_file_permissions) {
        builder.permissions(permissions);
    }
    let mut temp = builder.tempfile_in(dir).map_err(io_error)?;
    temp.write_all(bytes).map_err(io_error)?;
    temp.as_file().sync_all().map_err(io_error)?;
    if let Some(permissions) = existing {
        // Creation applied the umask; the replaced file's exact mode is restored here.
        temp.as_file()
            .set_permissions(permissions)
            .map_err(io_error)?;
    }
    temp.persist(path).map_err(|e| io_error(e.error))?;
    Ok(())
}

/// The error itself, without the temporary file's path that `tempfile` appends to its
/// message (`… at path "/dir/.x.svg.uYihOa.tmp"`): the user never asked for that file.
fn without_path(error: std::io::Error) -> std::io::Error {
    if error.raw_os_error().is_some() {
        return error;
    }
    let text = error.to_string();
    match text.split_once(" at path ") {
        Some((message, _)) => std::io::Error::new(error.kind(), message.to_string()),
        None => error,
    }
}

/// 0666: creating the file applies the umask, as for any new file.
#[cfg(unix)]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o666))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    None
}
