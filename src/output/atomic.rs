//! Writing a file atomically: the bytes go to a temporary file in the target's directory
//! ([`Staged`]), which is then renamed over the target. A failure leaves no partial file
//! and leaves a previous file of that name untouched; a staged file dropped before its
//! commit leaves nothing behind, not even the folders made for it.

use std::fs::Permissions;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::{NamedTempFile, TempPath};

use crate::{Error, Result};

/// Writes `bytes` to `path` atomically. The new file gets the permissions of the file it
/// replaces, or the usual ones for a new file (0666 less the umask) on Unix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut staged = Staged::new(path)?;
    staged.write_all(bytes).map_err(|e| staged.error(e))?;
    staged.commit()
}

/// A file being written beside `path`, streamed through [`Write`], that becomes `path`
/// when [`Staged::commit`] renames it there.
pub struct Staged {
    path: PathBuf,
    temp: Option<BufWriter<NamedTempFile>>,
    /// The temporary file once written and closed ([`Staged::close`]): it holds no file
    /// descriptor while it waits, however many figures a run stages.
    closed: Option<TempPath>,
    /// The permissions of the file it replaces, restored on commit.
    existing: Option<Permissions>,
    /// Folders made for it, deepest first: removed again if it is dropped uncommitted.
    created: Vec<PathBuf>,
    /// How far the file's bytes have been handed to the disk ([`Writeback`]).
    writeback: Writeback,
}

impl Staged {
    /// Starts writing `path` in a folder that exists: a temporary file beside it.
    pub fn new(path: &Path) -> Result<Staged> {
        Staged::start(path, false)
    }

    /// [`Staged::new`], making `path`'s missing folders first.
    pub fn making_folders(path: &Path) -> Result<Staged> {
        Staged::start(path, true)
    }

    fn start(path: &Path, make_folders: bool) -> Result<Staged> {
        // The message names the file the user asked for, never the temporary one.
        let io_error = |e| Error::io(path, without_path(e));
        let file_name = path.file_name().ok_or_else(|| {
            io_error(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a file name",
            ))
        })?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut staged = Staged {
            path: path.to_path_buf(),
            temp: None,
            closed: None,
            existing: std::fs::metadata(path).ok().map(|m| m.permissions()),
            created: Vec::new(),
            writeback: Writeback::default(),
        };
        if make_folders {
            staged.created = missing_folders(dir);
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let prefix = format!(".{}.", file_name.to_string_lossy());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        if let Some(permissions) = staged.existing.clone().or_else(new_file_permissions) {
            builder.permissions(permissions);
        }
        let temp = builder.tempfile_in(dir).map_err(io_error)?;
        staged.temp = Some(BufWriter::new(temp));
        Ok(staged)
    }

    /// `error`, met while writing, as the error of writing the file the user asked for.
    pub fn error(&self, error: io::Error) -> Error {
        Error::io(&self.path, without_path(error))
    }

    /// Ends the writing: the bytes flushed to disk and the file closed, to be renamed over
    /// `path` by [`Staged::commit`].
    pub fn close(&mut self) -> Result<()> {
        let Some(buffered) = self.temp.take() else {
            return Ok(());
        };
        let temp = buffered
            .into_inner()
            .map_err(|e| self.error(e.into_error()))?;
        temp.as_file().sync_all().map_err(|e| self.error(e))?;
        if let Some(permissions) = &self.existing {
            // Creation applied the umask; the replaced file's exact mode is restored here.
            temp.as_file()
                .set_permissions(permissions.clone())
                .map_err(|e| self.error(e))?;
        }
        self.closed = Some(temp.into_temp_path());
        Ok(())
    }

    /// Makes the written bytes the file: closed if still open, then renamed over `path`.
    pub fn commit(mut self) -> Result<()> {
        self.close()?;
        if let Some(closed) = self.closed.take() {
            closed
                .persist(&self.path)
                .map_err(|e| self.error(e.error))?;
        }
        self.created.clear();
        Ok(())
    }
}

impl Write for Staged {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match &mut self.temp {
            Some(temp) => {
                let written = temp.write(bytes)?;
                self.writeback.wrote(temp, written);
                Ok(written)
            }
            None => Err(io::Error::other("the file was already closed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.temp {
            Some(temp) => temp.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // The temporary file goes first (its drop deletes it), then the folders made for it,
        // deepest first; `remove_dir` leaves any folder something else was put in since.
        drop(self.temp.take());
        drop(self.closed.take());
        for folder in &self.created {
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// The disk writes of a large file started while the rest of it is still being made, so
/// that the `fsync` before the rename (which makes the new file survive a power cut once it
/// has its name) waits only for the last few megabytes: on the 46 MB JSON of a 100k-line
/// script it waited ~30 ms for all of them. Linux only; elsewhere the fsync does it all.
#[derive(Default)]
struct Writeback {
    /// Bytes written to the temporary file (through its buffer).
    written: u64,
    /// Bytes whose writeback has been started.
    started: u64,
}

impl Writeback {
    /// Writeback starts every `STEP` bytes, in the background (`sync_file_range` with
    /// `SYNC_FILE_RANGE_WRITE` only starts it; errors show at the fsync all the same).
    const STEP: u64 = 4 << 20;

    fn wrote(&mut self, temp: &BufWriter<NamedTempFile>, bytes: usize) {
        self.written += bytes as u64;
        let in_file = self.written - temp.buffer().len() as u64;
        if in_file - self.started >= Self::STEP {
            start_writeback(
                temp.get_ref().as_file(),
                self.started,
                in_file - self.started,
            );
            self.started = in_file;
        }
    }
}

#[cfg(target_os = "linux")]
fn start_writeback(file: &std::fs::File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: a plain system call on a descriptor `file` keeps open; it reads no memory.
    // Its result is ignored: it only starts writes early, and the fsync reports any error.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &std::fs::File, _offset: u64, _len: u64) {}

/// The folders of `dir` that do not exist yet, deepest first.
fn missing_folders(dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .filter(|folder| !folder.as_os_str().is_empty())
        .take_while(|folder| !folder.exists())
        .map(Path::to_path_buf)
        .collect()
}

/// The error itself, without the temporary file's path that `tempfile` appends to its
/// message (`… at path "/dir/.x.svg.uYihOa.tmp"`): the user never asked for that file.
fn without_path(error: io::Error) -> io::Error {
    if error.raw_os_error().is_some() {
        return error;
    }
    let text = error.to_string();
    match text.split_once(" at path ") {
        Some((message, _)) => io::Error::new(error.kind(), message.to_string()),
        None => error,
    }
}

/// 0666: creating the file applies the umask, as for any new file.
#[cfg(unix)]
fn new_file_permissions() -> Option<Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(Permissions::from_mode(0o666))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<Permissions> {
    None
}
