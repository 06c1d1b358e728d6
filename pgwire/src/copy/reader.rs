//! [`CopyReader`]: the rows of a COPY FROM as the client sends them, pulled from the
//! [`CopyInStream`] only as fast as they are read (backpressure reaches the client).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::{FutureExt, Stream, StreamExt};

use super::CopyInStream;
use super::decode::{CopyDecoder, Step};
use super::row::{CopyRow, RowBatch, with_context};
use crate::error::PgResult;
use crate::types::Column;

/// Reads decoded rows from a COPY FROM's data stream.
///
/// ```no_run
/// # async fn demo(mut rows: pgwire::copy::CopyReader) -> pgwire::PgResult<u64> {
/// while let Some(row) = rows.next_row().await? {
///     let id: i64 = row.get(0)?;
///     let name: Option<&str> = row.text(1)?;
///     # let _ = (id, name);
/// }
/// Ok(rows.rows())
/// # }
/// ```
pub struct CopyReader<S = CopyInStream> {
    input: S,
    decoder: CopyDecoder,
    /// Shared with [`CopyIn::rows`](super::CopyIn::rows): the line being read, to give
    /// consumer errors their context.
    line: Option<Arc<AtomicU64>>,
}

impl<S> std::fmt::Debug for CopyReader<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyReader")
            .field("decoder", &self.decoder)
            .finish_non_exhaustive()
    }
}

impl<S> CopyReader<S>
where
    S: Stream<Item = PgResult<Bytes>> + Unpin,
{
    /// Rows decoded by `decoder` from the data in `input`.
    pub fn new(input: S, decoder: CopyDecoder) -> CopyReader<S> {
        CopyReader {
            input,
            decoder,
            line: None,
        }
    }

    pub(crate) fn track_line(mut self, line: Arc<AtomicU64>) -> CopyReader<S> {
        self.line = Some(line);
        self
    }

    /// The columns rows are decoded for.
    pub fn columns(&self) -> &Arc<[Column]> {
        self.decoder.columns()
    }

    /// Rows read so far (the usual `COPY n` count).
    pub fn rows(&self) -> u64 {
        self.decoder.rows()
    }

    /// `COPY t, line N` for the current point of the data.
    pub fn context(&self) -> String {
        self.decoder.context()
    }

    /// Feeds the decoder one more chunk (or the end of data); an error from the stream
    /// (CopyFail, a lost client) gets the current line as context and ends decoding.
    async fn fill(&mut self) -> PgResult<()> {
        match self.input.next().await {
            Some(Ok(chunk)) => self.decoder.push(&chunk),
            Some(Err(e)) => {
                let e = with_context(e, || self.decoder.context());
                self.decoder.fail(e.clone());
                return Err(e);
            }
            None => self.decoder.finish(),
        }
        Ok(())
    }

    fn note_line(&self) {
        if let Some(l) = &self.line {
            l.store(self.decoder.line(), Ordering::Relaxed);
        }
    }

    /// The next row, `None` at the end of the data. After `None` the whole stream was read,
    /// so a CopyFail sent after the end marker still comes out as an error.
    pub async fn next_row(&mut self) -> PgResult<Option<CopyRow<'_>>> {
        loop {
            match self.decoder.step()? {
                Step::Row => {
                    self.note_line();
                    return Ok(Some(self.decoder.row()));
                }
                Step::End => return Ok(None),
                Step::NeedInput => self.fill().await?,
            }
        }
    }

    /// Up to `max_rows` rows copied into one owned [`RowBatch`] (also cut at about 1 MiB of
    /// field data, or when a row would have to wait for the client), `None` at the end.
    /// For engines that insert on another thread.
    pub async fn next_batch(&mut self, max_rows: usize) -> PgResult<Option<RowBatch>> {
        const MAX_BYTES: usize = 1 << 20;
        let mut batch = RowBatch::new(self.decoder.meta().clone());
        while batch.len() < max_rows.max(1) && batch.data_len() < MAX_BYTES {
            match self.decoder.step()? {
                Step::Row => {
                    self.note_line();
                    batch.push(&self.decoder.row());
                }
                Step::End => break,
                Step::NeedInput if batch.is_empty() => self.fill().await?,
                Step::NeedInput => {
                    // Hand over what we have rather than wait for the client.
                    match self.input.next().now_or_never() {
                        Some(Some(Ok(chunk))) => self.decoder.push(&chunk),
                        Some(Some(Err(e))) => {
                            let e = with_context(e, || self.decoder.context());
                            self.decoder.fail(e.clone());
                            return Err(e);
                        }
                        Some(None) => self.decoder.finish(),
                        None => break,
                    }
                }
            }
        }
        Ok((!batch.is_empty()).then_some(batch))
    }
}
