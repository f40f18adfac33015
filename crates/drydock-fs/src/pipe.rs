//! A bounded pipe between two threads, so decompression runs beside the tar walk.
//!
//! One large layer is the critical path of most image scans (debian-big: 141 MB of a 190 MB
//! image). Inflating it, hashing the tar and feeding the analyzers on one thread leaves the
//! second core idle once the smaller layers are done; split in two, the layer takes about as
//! long as inflating it alone. Chunks are recycled, so the pipe holds at most
//! `DEPTH + 2` chunks (about 1 MiB) whatever the layer size.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

/// Big enough that channel traffic is noise (a few thousand messages for 500 MB), small
/// enough that the consumer starts at once.
const CHUNK: usize = 256 << 10;
/// Chunks in flight: lets the producer run ahead through a slow entry (a big file the
/// analyzers read) without unbounded memory.
const DEPTH: usize = 4;

/// A filled chunk and how much of it is data; an error ends the stream.
type Msg = io::Result<(Vec<u8>, usize)>;

/// How the producer's side ended.
pub(crate) enum Pumped {
    /// The source reached its end and every byte was handed over.
    Eof,
    /// The reader was dropped first (the walk stopped early: error, size cap or deadline).
    Abandoned,
    /// The source failed; the error was passed on to the reader.
    Failed,
}

/// The producer's end: fills chunks from a source and sends them.
pub(crate) struct Writer {
    tx: SyncSender<Msg>,
    free: Receiver<Vec<u8>>,
}

/// The consumer's end: reads the chunks back as one stream.
pub(crate) struct Reader {
    rx: Receiver<Msg>,
    back: SyncSender<Vec<u8>>,
    cur: Vec<u8>,
    len: usize,
    pos: usize,
    done: bool,
    /// A failure, repeated on every later read: a visitor may swallow the first one, and the
    /// walk must still see the stream as broken rather than ended.
    failed: Option<(io::ErrorKind, String)>,
}

pub(crate) fn pipe() -> (Writer, Reader) {
    let (tx, rx) = sync_channel(DEPTH);
    let (back, free) = sync_channel(DEPTH + 2);
    (
        Writer { tx, free },
        Reader {
            rx,
            back,
            cur: Vec::new(),
            len: 0,
            pos: 0,
            done: false,
            failed: None,
        },
    )
}

impl Writer {
    /// Copies `src` into the pipe until it ends, fails, or the reader goes away.
    pub(crate) fn pump(self, src: &mut dyn Read) -> Pumped {
        loop {
            let mut chunk = match self.free.try_recv() {
                Ok(chunk) => chunk,
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => vec![0; CHUNK],
            };
            // Fill the chunk: decoders return a few KiB per call, and a full chunk per
            // message keeps the hand-over cost per byte negligible.
            let mut len = 0;
            let end = loop {
                match src.read(&mut chunk[len..]) {
                    Ok(0) => break Ok(true),
                    Ok(n) => {
                        len += n;
                        if len == chunk.len() {
                            break Ok(false);
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            let (msg, outcome) = match end {
                Ok(false) => (Ok((chunk, len)), None),
                Ok(true) => (Ok((chunk, len)), Some(Pumped::Eof)),
                Err(e) => {
                    // Data read before the error still belongs to the stream.
                    if len > 0 && self.tx.send(Ok((chunk, len))).is_err() {
                        return Pumped::Abandoned;
                    }
                    (Err(e), Some(Pumped::Failed))
                }
            };
            let empty_eof = matches!(&msg, Ok((_, 0))) && outcome.is_some();
            if !empty_eof && self.tx.send(msg).is_err() {
                return Pumped::Abandoned;
            }
            if let Some(outcome) = outcome {
                return outcome;
            }
        }
    }
}

impl Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.pos == self.len {
            if let Some((kind, msg)) = &self.failed {
                return Err(io::Error::new(*kind, msg.clone()));
            }
            if self.done {
                return Ok(0);
            }
            let spent = std::mem::take(&mut self.cur);
            if !spent.is_empty() {
                // A full return channel means enough chunks are circulating; drop this one.
                let _ = self.back.try_send(spent);
            }
            match self.rx.recv() {
                Ok(Ok((chunk, len))) => {
                    self.cur = chunk;
                    self.len = len;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.failed = Some((e.kind(), e.to_string()));
                    self.len = 0;
                    self.pos = 0;
                    return Err(e);
                }
                // The writer is gone: the stream ended (an error would have been sent).
                Err(_) => {
                    self.done = true;
                    self.len = 0;
                    self.pos = 0;
                }
            }
        }
        let n = buf.len().min(self.len - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Hands out `data` a few bytes at a time, then fails if `fail` is set.
    struct Trickle<'a> {
        data: &'a [u8],
        fail: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.data.is_empty() {
                return if self.fail {
                    Err(io::Error::other("boom"))
                } else {
                    Ok(0)
                };
            }
            let n = buf.len().min(self.data.len()).min(7_777);
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn through(data: &[u8], fail: bool) -> (io::Result<Vec<u8>>, Pumped) {
        let (w, mut r) = pipe();
        std::thread::scope(|s| {
            let h = s.spawn(move || w.pump(&mut Trickle { data, fail }));
            let mut out = Vec::new();
            let got = r.read_to_end(&mut out).map(|_| out);
            (got, h.join().unwrap())
        })
    }

    #[test]
    fn carries_every_byte_in_order() {
        let data: Vec<u8> = (0..3 * CHUNK + 12_345).map(|i| (i % 251) as u8).collect();
        for len in [0, 1, CHUNK, data.len()] {
            let (got, end) = through(&data[..len], false);
            assert_eq!(got.unwrap(), &data[..len]);
            assert!(matches!(end, Pumped::Eof));
        }
    }

    #[test]
    fn passes_the_error_on_after_the_data_before_it() {
        let data = vec![9u8; CHUNK + 5];
        let (w, mut r) = pipe();
        std::thread::scope(|s| {
            let h = s.spawn(|| {
                w.pump(&mut Trickle {
                    data: &data,
                    fail: true,
                })
            });
            let mut out = Vec::new();
            let err = r.read_to_end(&mut out).unwrap_err();
            assert_eq!(err.to_string(), "boom");
            assert_eq!(out.len(), data.len());
            assert!(matches!(h.join().unwrap(), Pumped::Failed));
            let mut more = [0u8; 4];
            let again = r.read(&mut more).unwrap_err();
            assert_eq!(again.to_string(), "boom", "the error sticks");
        });
    }

    #[test]
    fn a_dropped_reader_stops_the_writer() {
        let data = vec![1u8; 64 * CHUNK];
        let (w, mut r) = pipe();
        std::thread::scope(|s| {
            let h = s.spawn(|| {
                w.pump(&mut Trickle {
                    data: &data,
                    fail: false,
                })
            });
            let mut first = [0u8; 10];
            r.read_exact(&mut first).unwrap();
            drop(r);
            assert!(matches!(h.join().unwrap(), Pumped::Abandoned));
        });
    }
}
