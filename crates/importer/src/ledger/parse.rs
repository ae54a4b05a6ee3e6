//! The line scanner: reads a file in chunks and records what matching
//! needs.
//!
//! Beancount is line oriented: a directive starts at column 0 with a date or
//! a keyword, and its postings and metadata follow on indented lines until a
//! blank line or the next directive. Only strings may span lines; a line
//! whose string is still open is held back and joined with the next ones.

use std::collections::HashSet;
use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use memchr::{memchr, memchr2, memrchr};
use rust_decimal::Decimal;

use super::number::parse_expr;
use super::{
    BalanceRec, Ledger, LedgerError, MetaRec, NO_CURRENCY, OpenRec, PadRec, PostingRec,
    SKIPPED_KEPT, Span, TagRec, TxnRec,
};

/// Bytes read per system call.
const CHUNK: usize = 1 << 20;
/// The longest line read: a file with a longer one (`/dev/zero`, a sparse
/// file, a binary) is not a ledger, and reading it whole would take all
/// memory.
pub(super) const MAX_LINE: usize = 4 << 20;
/// A file's size is a hint for reserving room, believed up to this much.
const MAX_RESERVE_HINT: u64 = 256 << 20;
/// A string still open after this many lines (or bytes) is a stray quote:
/// the directive is dropped rather than swallowing the rest of the file.
const MAX_STRING_LINES: u32 = 1000;
const MAX_STRING_BYTES: usize = 1 << 20;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A string ran to the end of the available text: more lines are needed.
struct Unterminated;

type Step = Result<(), Unterminated>;

/// How much of a file is read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    /// Everything matching needs.
    Everything,
    /// Only `include` directives: which files make up the ledger.
    IncludesOnly,
}

/// Reads `path` into `ledger`, then the files it includes.
pub(super) fn load_file(
    ledger: &mut Ledger,
    seen: &mut HashSet<PathBuf>,
    path: &Path,
    from: Option<(&Path, u32)>,
    reading: Reading,
) -> Result<(), LedgerError> {
    let error = |source: std::io::Error| match from {
        None => LedgerError::Read {
            path: path.to_path_buf(),
            source,
        },
        Some((from, line)) => LedgerError::Include {
            path: path.to_path_buf(),
            from: from.to_path_buf(),
            line,
            reason: source.to_string(),
        },
    };
    // Before opening: opening a FIFO waits for a writer, and a device
    // never ends.
    let kind = std::fs::metadata(path).map_err(error)?.file_type();
    if !kind.is_file() {
        return Err(error(std::io::Error::new(
            ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", describe(kind)),
        )));
    }
    let mut file = File::open(path).map_err(error)?;
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !seen.insert(key) {
        return Ok(());
    }
    let size = file.metadata().map_or(0, |m| m.len());
    let file_id = ledger.files.len() as u32;
    ledger.files.push(path.to_path_buf());
    if reading == Reading::IncludesOnly {
        let mut parser = Parser::new(ledger, file_id);
        parser.includes_only = true;
        read_range(&mut file, 0, u64::MAX, &mut parser).map_err(error)?;
        let includes = parser.finish();
        return follow_includes(ledger, seen, path, includes, reading);
    }
    reserve_for(ledger, size.min(MAX_RESERVE_HINT) as usize);
    let boundary = if size >= PARALLEL_MIN {
        find_boundary(&mut file, size / 2).map_err(error)?
    } else {
        None
    };
    let includes = match boundary {
        None => {
            let mut parser = Parser::new(ledger, file_id);
            read_range(&mut file, 0, u64::MAX, &mut parser).map_err(error)?;
            parser.finish()
        }
        Some(boundary) => {
            read_in_two(ledger, &mut file, path, file_id, boundary, size).map_err(error)?
        }
    };
    follow_includes(ledger, seen, path, includes, reading)
}

/// What a file that is not a regular file is, for messages.
fn describe(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_fifo() {
            return "a FIFO (a pipe, or a process substitution `<(…)`)";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// Files at least this large are read by two threads, one half each.
const PARALLEL_MIN: u64 = 4 << 20;

/// Reads the two halves of a file on two threads, split at `boundary`, and
/// merges the second into `ledger`. When the split turns out to be inside
/// something (a multi-line string, a `pushtag` section), the second half is
/// read again after the first, so the result never depends on the split.
fn read_in_two(
    ledger: &mut Ledger,
    file: &mut File,
    path: &Path,
    file_id: u32,
    boundary: u64,
    size: u64,
) -> std::io::Result<Vec<(String, u32)>> {
    let mut second = Ledger::empty_like(ledger);
    reserve_for(
        &mut second,
        (size - boundary).min(MAX_RESERVE_HINT) as usize,
    );
    let (first, second_includes) = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let mut file = File::open(path)?;
            let mut parser = Parser::new(&mut second, file_id);
            read_range(&mut file, boundary, u64::MAX, &mut parser)?;
            Ok::<_, std::io::Error>(parser.finish())
        });
        let mut parser = Parser::new(ledger, file_id);
        let first = read_range(file, 0, boundary, &mut parser).map(|()| parser);
        (first, worker.join().expect("ledger reader thread panicked"))
    });
    let mut first = first?;
    if !first.at_clean_boundary() {
        drop(second);
        read_range(file, boundary, u64::MAX, &mut first)?;
        return Ok(first.finish());
    }
    let second_includes = second_includes?;
    let line_offset = first.line_no;
    let mut includes = first.finish();
    merge(ledger, second, line_offset);
    includes.extend(
        second_includes
            .into_iter()
            .map(|(path, line)| (path, line + line_offset)),
    );
    Ok(includes)
}

/// A place to split a file near `middle`: the start of a dated line after
/// a blank line.
fn find_boundary(file: &mut File, middle: u64) -> std::io::Result<Option<u64>> {
    file.seek(SeekFrom::Start(middle))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let buf = &buf[..filled];
    let mut i = 0;
    while let Some(p) = memchr(b'\n', &buf[i..]) {
        let p = i + p;
        let rest = &buf[p + 1..];
        let skip = match rest {
            [b'\n', c, ..] if c.is_ascii_digit() => Some(2),
            [b'\r', b'\n', c, ..] if c.is_ascii_digit() => Some(3),
            _ => None,
        };
        if let Some(skip) = skip {
            return Ok(Some(middle + (p + skip) as u64));
        }
        i = p + 1;
    }
    Ok(None)
}

/// Feeds the bytes `start..end` of `file` to `parser`, in chunks of whole
/// lines. `start` must be a line start.
fn read_range(
    file: &mut File,
    start: u64,
    end: u64,
    parser: &mut Parser<'_>,
) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(start))?;
    let mut left = end - start;
    let mut buf = vec![0u8; CHUNK];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            // A whole buffer without a newline: one line that long.
            if buf.len() >= MAX_LINE {
                return Err(std::io::Error::new(
                    ErrorKind::InvalidData,
                    format!(
                        "line {} is longer than {} MiB, which no ledger has; is it a Beancount file?",
                        parser.line_no + 1,
                        MAX_LINE >> 20
                    ),
                ));
            }
            buf.resize(buf.len() * 2, 0);
        }
        let room = (buf.len() - filled).min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = match file.read(&mut buf[filled..filled + room]) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        left -= n as u64;
        filled += n;
        let last = n == 0;
        let cut = if last {
            filled
        } else {
            match memrchr(b'\n', &buf[..filled]) {
                Some(p) => p + 1,
                None => continue,
            }
        };
        parser.feed(&buf[..cut]);
        buf.copy_within(cut..filled, 0);
        filled -= cut;
        if last {
            return Ok(());
        }
    }
}

/// Appends the records of `second` (read from the same file, starting
/// `line_offset` lines in) to `ledger`, renumbering ids, spans and lines.
fn merge(ledger: &mut Ledger, second: Ledger, line_offset: u32) {
    let accounts: Vec<u32> = (0..second.accounts.len() as u32)
        .map(|i| ledger.accounts.intern(second.accounts.name(i)))
        .collect();
    let currencies: Vec<u32> = (0..second.currencies.len() as u32)
        .map(|i| ledger.currencies.intern(second.currencies.name(i)))
        .collect();
    let keys: Vec<u32> = (0..second.keys.len() as u32)
        .map(|i| ledger.keys.intern(second.keys.name(i)))
        .collect();
    let currency = |c: u32| {
        if c == NO_CURRENCY {
            c
        } else {
            currencies[c as usize]
        }
    };
    let text_base = ledger.text.len() as u32;
    let span = |s: Span| {
        if s.start == u32::MAX {
            s
        } else {
            Span {
                start: s.start + text_base,
                len: s.len,
            }
        }
    };
    let (txn_base, post_base) = (ledger.txns.len() as u32, ledger.postings.len() as u32);
    let (meta_base, tags_base) = (ledger.meta.len() as u32, ledger.tags.len() as u32);
    ledger.text.push_str(&second.text);
    ledger.txns.extend(second.txns.iter().map(|t| TxnRec {
        line: t.line + line_offset,
        payee: span(t.payee),
        narration: span(t.narration),
        tags_start: t.tags_start + tags_base,
        meta_start: t.meta_start + meta_base,
        post_start: t.post_start + post_base,
        ..t.clone()
    }));
    ledger
        .postings
        .extend(second.postings.iter().map(|p| PostingRec {
            txn: p.txn + txn_base,
            account: accounts[p.account as usize],
            currency: currency(p.currency),
            meta_start: p.meta_start + meta_base,
            ..p.clone()
        }));
    ledger.meta.extend(second.meta.iter().map(|m| MetaRec {
        key: keys[m.key as usize],
        value: span(m.value),
        is_string: m.is_string,
    }));
    ledger.tags.extend(second.tags.iter().map(|t| TagRec {
        name: span(t.name),
        is_link: t.is_link,
    }));
    let open = |o: &OpenRec| OpenRec {
        account: accounts[o.account as usize],
        line: o.line + line_offset,
        ..*o
    };
    ledger.opens.extend(second.opens.iter().map(open));
    ledger.closes.extend(second.closes.iter().map(open));
    ledger.pads.extend(second.pads.iter().map(|p| PadRec {
        account: accounts[p.account as usize],
        source: accounts[p.source as usize],
        line: p.line + line_offset,
        ..*p
    }));
    ledger
        .balances
        .extend(second.balances.iter().map(|b| BalanceRec {
            account: accounts[b.account as usize],
            currency: currency(b.currency),
            line: b.line + line_offset,
            ..b.clone()
        }));
    ledger.pads.extend(second.pads.iter().map(|p| PadRec {
        account: accounts[p.account as usize],
        source: accounts[p.source as usize],
        line: p.line + line_offset,
        ..*p
    }));
    ledger.skipped_count += second.skipped_count;
    for &(file, line) in &second.skipped {
        if ledger.skipped.len() < SKIPPED_KEPT {
            ledger.skipped.push((file, line + line_offset));
        }
    }
}

/// Reserves room for what a file of `size` bytes typically holds, so that
/// the arrays do not copy themselves while growing. Pages reserved and not
/// written are never touched, so an overestimate costs no memory.
fn reserve_for(ledger: &mut Ledger, size: usize) {
    ledger.text.reserve(size / 3);
    ledger.txns.reserve(size / 200);
    ledger.postings.reserve(size / 90);
    ledger.meta.reserve(size / 300);
}

/// Reads `text` as the contents of `name` into `ledger`, then the files it
/// includes.
pub(super) fn load_text(
    ledger: &mut Ledger,
    seen: &mut HashSet<PathBuf>,
    name: &Path,
    text: &[u8],
) -> Result<(), LedgerError> {
    seen.insert(std::fs::canonicalize(name).unwrap_or_else(|_| name.to_path_buf()));
    let file_id = ledger.files.len() as u32;
    ledger.files.push(name.to_path_buf());
    let mut parser = Parser::new(ledger, file_id);
    parser.feed(text);
    let includes = parser.finish();
    follow_includes(ledger, seen, name, includes, Reading::Everything)
}

fn follow_includes(
    ledger: &mut Ledger,
    seen: &mut HashSet<PathBuf>,
    from: &Path,
    includes: Vec<(String, u32)>,
    reading: Reading,
) -> Result<(), LedgerError> {
    let dir = from.parent().unwrap_or(Path::new(""));
    for (pattern, line) in includes {
        let full = dir.join(&pattern);
        let include_error = |reason: String| LedgerError::Include {
            path: full.clone(),
            from: from.to_path_buf(),
            line,
            reason,
        };
        let paths = if pattern.contains(['*', '?', '[']) {
            let matches = glob::glob(&full.to_string_lossy())
                .map_err(|e| include_error(format!("invalid glob pattern: {e}")))?;
            let mut paths: Vec<PathBuf> = matches.filter_map(Result::ok).collect();
            if paths.is_empty() {
                return Err(include_error("the pattern matches no file".into()));
            }
            paths.sort();
            paths
        } else {
            vec![full.clone()]
        };
        for path in paths {
            load_file(ledger, seen, &path, Some((from, line)), reading)?;
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// No directive open: indented lines are stray.
    Idle,
    /// In a transaction (the last one in `ledger.txns`).
    Txn,
    /// In a directive whose continuation lines are not needed.
    Skip,
}

struct Parser<'l> {
    ledger: &'l mut Ledger,
    file: u32,
    line_no: u32,
    state: State,
    /// A logical line whose string is still open, and where it started.
    held: Vec<u8>,
    held_line: u32,
    held_lines: u32,
    tag_stack: Vec<Span>,
    meta_stack: Vec<MetaRec>,
    includes: Vec<(String, u32)>,
    /// Only `include` lines are read (and strings they leave open).
    includes_only: bool,
}

impl<'l> Parser<'l> {
    fn new(ledger: &'l mut Ledger, file: u32) -> Self {
        Parser {
            ledger,
            file,
            line_no: 0,
            state: State::Idle,
            held: Vec::new(),
            held_line: 0,
            held_lines: 0,
            tag_stack: Vec::new(),
            meta_stack: Vec::new(),
            includes: Vec::new(),
            includes_only: false,
        }
    }

    /// Processes whole lines (a final line may lack its newline).
    fn feed(&mut self, bytes: &[u8]) {
        let mut pos = 0;
        while pos < bytes.len() {
            let end = memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
            let mut line = &bytes[pos..end];
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            self.line_no += 1;
            if self.line_no == 1 && line.starts_with(BOM) {
                line = &line[BOM.len()..];
            }
            self.physical_line(line);
            pos = end + 1;
        }
    }

    /// True when nothing read so far reaches past this point: no open
    /// string, no `pushtag` or `pushmeta` in force.
    fn at_clean_boundary(&self) -> bool {
        self.held.is_empty() && self.tag_stack.is_empty() && self.meta_stack.is_empty()
    }

    /// Ends the file: returns the includes to follow.
    fn finish(mut self) -> Vec<(String, u32)> {
        if !self.held.is_empty() {
            // A string never closed: the directive is not readable.
            let line = self.held_line;
            self.skip(line);
        }
        self.end_directive();
        std::mem::take(&mut self.includes)
    }

    fn physical_line(&mut self, line: &[u8]) {
        if self.includes_only && self.held.is_empty() && !line.starts_with(b"include") {
            // Still, a string left open here makes the next lines its text,
            // whatever they look like: hold it as a full read would.
            let text = !matches!(
                line.first(),
                None | Some(b';' | b'*' | b'#' | b'!' | b'&' | b'?' | b'%' | b':' | b'|')
            );
            if text && check_strings(line).is_err() {
                self.held.extend_from_slice(line);
                self.held_line = self.line_no;
                self.held_lines = 1;
            }
            return;
        }
        if self.held.is_empty() {
            if self.logical_line(line, self.line_no).is_err() {
                self.held.extend_from_slice(line);
                self.held_line = self.line_no;
                self.held_lines = 1;
            }
            return;
        }
        self.held.push(b'\n');
        self.held.extend_from_slice(line);
        self.held_lines += 1;
        let held = std::mem::take(&mut self.held);
        match self.logical_line(&held, self.held_line) {
            Ok(()) => {
                self.held = held;
                self.held.clear();
            }
            Err(Unterminated)
                if self.held_lines < MAX_STRING_LINES && held.len() < MAX_STRING_BYTES =>
            {
                self.held = held;
            }
            Err(Unterminated) => {
                let line = self.held_line;
                self.skip(line);
                self.state = State::Skip;
            }
        }
    }

    /// Processes one logical line; on an unterminated string, undoes what
    /// it recorded so that it can be processed again with more lines.
    fn logical_line(&mut self, line: &[u8], line_no: u32) -> Step {
        // A new directive closes the previous one before anything is
        // recorded, so that undoing this line never undoes that.
        if line
            .first()
            .is_some_and(|&c| c != b' ' && c != b'\t' && c != b';')
        {
            self.end_directive();
        }
        let text_len = self.ledger.text.len();
        let tags_len = self.ledger.tags.len();
        let result = self.dispatch(line, line_no);
        if result.is_err() {
            self.ledger.text.truncate(text_len);
            self.ledger.tags.truncate(tags_len);
        }
        result
    }

    fn dispatch(&mut self, line: &[u8], line_no: u32) -> Step {
        let Some(&first) = line.first() else {
            // A blank line ends a transaction, as in Beancount.
            self.end_directive();
            return Ok(());
        };
        match first {
            b' ' | b'\t' => {
                let body = trim_start(line);
                if body.is_empty() {
                    return Ok(());
                }
                match self.state {
                    State::Txn => self.txn_line(body, line_no),
                    State::Skip => check_strings(body),
                    State::Idle => {
                        if body[0] != b';' {
                            self.skip(line_no);
                        }
                        Ok(())
                    }
                }
            }
            b'0'..=b'9' => {
                self.end_directive();
                self.dated(line, line_no)
            }
            b';' => Ok(()),
            b'a'..=b'z' => {
                self.end_directive();
                self.keyword(line, line_no)
            }
            // Org-mode and Markdown headings, and other lines Beancount skips.
            b'*' | b'#' | b'!' | b'&' | b'?' | b'%' | b':' | b'|' => {
                self.end_directive();
                Ok(())
            }
            _ => {
                self.end_directive();
                self.skip(line_no);
                Ok(())
            }
        }
    }

    fn skip(&mut self, line_no: u32) {
        self.ledger.skipped_count += 1;
        if self.ledger.skipped.len() < SKIPPED_KEPT {
            self.ledger.skipped.push((self.file, line_no));
        }
    }

    /// Closes the open directive, applying `pushtag` and `pushmeta`.
    fn end_directive(&mut self) {
        if self.state == State::Txn {
            self.apply_pushed();
        }
        self.state = State::Idle;
    }

    fn apply_pushed(&mut self) {
        let ledger = &mut *self.ledger;
        let t = ledger.txns.len() - 1;
        for &tag in &self.tag_stack {
            let txn = &ledger.txns[t];
            let start = txn.tags_start as usize;
            let own = &ledger.tags[start..start + txn.tags_len as usize];
            let name = ledger.str(tag);
            if !own.iter().any(|o| !o.is_link && ledger.str(o.name) == name)
                && txn.tags_len < u16::MAX
            {
                ledger.tags.push(TagRec {
                    name: tag,
                    is_link: false,
                });
                ledger.txns[t].tags_len += 1;
            }
        }
        if self.meta_stack.is_empty() {
            return;
        }
        // Postings' metadata may follow the transaction's: move the
        // transaction's to the end so that it stays one contiguous range.
        let (start, len) = (ledger.txns[t].meta_start, ledger.txns[t].meta_len);
        if (start + u32::from(len)) as usize != ledger.meta.len() {
            let new_start = ledger.meta.len() as u32;
            ledger
                .meta
                .extend_from_within(start as usize..start as usize + len as usize);
            ledger.txns[t].meta_start = new_start;
        }
        for pushed in &self.meta_stack {
            let txn = &ledger.txns[t];
            let own = ledger.meta_slice(txn.meta_start, txn.meta_len);
            if !own.iter().any(|m| m.key == pushed.key) && txn.meta_len < u16::MAX {
                ledger.meta.push(*pushed);
                ledger.txns[t].meta_len += 1;
            }
        }
    }

    fn dated(&mut self, line: &[u8], line_no: u32) -> Step {
        let Some((date, end)) = parse_date(line) else {
            self.skip(line_no);
            return Ok(());
        };
        let i = skip_ws(line, end);
        if i == end || i == line.len() {
            self.skip(line_no);
            return Ok(());
        }
        let c = line[i];
        if is_flag(c)
            && line
                .get(i + 1)
                .is_none_or(|&n| n == b' ' || n == b'\t' || n == b'"')
        {
            return self.transaction(line, i + 1, date, c, line_no);
        }
        let word_end = token_end(line, i);
        match &line[i..word_end] {
            b"txn" => self.transaction(line, word_end, date, b'*', line_no),
            b"open" => self.open_close(line, word_end, date, line_no, true),
            b"close" => self.open_close(line, word_end, date, line_no, false),
            b"balance" => self.balance(line, word_end, date, line_no),
            b"pad" => self.pad(line, word_end, date, line_no),
            // price, note, document, event, query, custom, commodity...
            _ => {
                self.state = State::Skip;
                check_strings(&line[word_end..])
            }
        }
    }

    fn transaction(
        &mut self,
        line: &[u8],
        mut i: usize,
        date: NaiveDate,
        flag: u8,
        line_no: u32,
    ) -> Step {
        let tags_start = self.ledger.tags.len();
        let mut strings = [Span::NONE; 2];
        let mut count = 0;
        loop {
            i = skip_ws(line, i);
            let Some(&c) = line.get(i) else { break };
            match c {
                b'"' => {
                    let (span, end) = self.read_string(line, i)?;
                    if count < 2 {
                        strings[count] = span;
                    }
                    count += 1;
                    i = end;
                }
                b'#' | b'^' => i = self.tag(line, i),
                b';' => break,
                // The old `|` separator, or a token Beancount would reject.
                _ => i = token_end(line, i + 1),
            }
        }
        let (payee, narration) = match count {
            0 => (Span::NONE, Span::default()),
            1 => (Span::NONE, strings[0]),
            _ => (strings[0], strings[1]),
        };
        let ledger = &mut *self.ledger;
        let tags_len = (ledger.tags.len() - tags_start).min(usize::from(u16::MAX));
        ledger.txns.push(TxnRec {
            date,
            file: self.file,
            line: line_no,
            payee,
            narration,
            tags_start: tags_start as u32,
            meta_start: ledger.meta.len() as u32,
            post_start: ledger.postings.len() as u32,
            tags_len: tags_len as u16,
            meta_len: 0,
            post_len: 0,
            flag,
        });
        self.state = State::Txn;
        Ok(())
    }

    /// Records the tag or link at `line[i]` (`#` or `^`); returns its end.
    fn tag(&mut self, line: &[u8], i: usize) -> usize {
        let end = token_end(line, i + 1);
        if end > i + 1 {
            let name = self.push_text(&line[i + 1..end]);
            self.ledger.tags.push(TagRec {
                name,
                is_link: line[i] == b'^',
            });
        }
        end
    }

    fn txn_line(&mut self, body: &[u8], line_no: u32) -> Step {
        match body[0] {
            b';' => Ok(()),
            b'#' | b'^' => {
                let mut i = 0;
                while let Some(&c) = body.get(i) {
                    match c {
                        b'#' | b'^' => {
                            let t = self.ledger.txns.len() - 1;
                            if self.ledger.txns[t].tags_len < u16::MAX {
                                i = self.tag(body, i);
                                self.ledger.txns[t].tags_len += 1;
                            } else {
                                i = token_end(body, i);
                            }
                        }
                        b';' => break,
                        _ => i = token_end(body, i),
                    }
                    i = skip_ws(body, i);
                }
                Ok(())
            }
            b'a'..=b'z' => {
                let Some((key, after)) = meta_key(body) else {
                    self.skip(line_no);
                    return Ok(());
                };
                let meta = self.meta(key, body, after)?;
                let ledger = &mut *self.ledger;
                let t = ledger.txns.len() - 1;
                let txn = &mut ledger.txns[t];
                let len = if txn.post_len == 0 {
                    &mut txn.meta_len
                } else {
                    let p = ledger.postings.len() - 1;
                    &mut ledger.postings[p].meta_len
                };
                if *len < u16::MAX {
                    *len += 1;
                    ledger.meta.push(meta);
                }
                Ok(())
            }
            _ => {
                self.posting(body, line_no);
                Ok(())
            }
        }
    }

    /// Reads a metadata value after `key:`.
    fn meta(&mut self, key: &[u8], body: &[u8], after: usize) -> Result<MetaRec, Unterminated> {
        let i = skip_ws(body, after);
        let (value, is_string) = if body.get(i) == Some(&b'"') {
            (self.read_string(body, i)?.0, true)
        } else {
            let end = memchr(b';', &body[i..]).map_or(body.len(), |e| i + e);
            (self.push_text(trim_end(&body[i..end])), false)
        };
        Ok(MetaRec {
            key: self.ledger.keys.intern_bytes(key),
            value,
            is_string,
        })
    }

    fn posting(&mut self, body: &[u8], line_no: u32) {
        let mut i = 0;
        let mut flag = 0;
        if is_flag(body[0]) && matches!(body.get(1), Some(b' ' | b'\t')) {
            flag = body[0];
            i = skip_ws(body, 1);
        }
        let account_end = token_end(body, i);
        let account = &body[i..account_end];
        if !looks_like_account(account) {
            self.skip(line_no);
            return;
        }
        i = skip_ws(body, account_end);
        let (number, has_number, currency) = match parse_expr(&body[i..]) {
            Some((number, used)) => {
                let c = skip_ws(body, i + used);
                let currency = match currency_token(body, c) {
                    Some(end) => self.ledger.currencies.intern_bytes(&body[c..end]),
                    None => NO_CURRENCY,
                };
                (number, true, currency)
            }
            None => (Decimal::ZERO, false, NO_CURRENCY),
        };
        // Only a cost or a price puts `{` or `@` on a posting line before
        // its comment.
        let rest = &body[i..memchr(b';', &body[i..]).map_or(body.len(), |e| i + e)];
        let priced = memchr2(b'{', b'@', rest).is_some();
        let ledger = &mut *self.ledger;
        let t = ledger.txns.len() - 1;
        if ledger.txns[t].post_len == u16::MAX {
            return;
        }
        ledger.txns[t].post_len += 1;
        let account = ledger.accounts.intern_bytes(account);
        ledger.postings.push(PostingRec {
            number,
            txn: t as u32,
            account,
            currency,
            meta_start: ledger.meta.len() as u32,
            meta_len: 0,
            flag,
            has_number,
            priced,
        });
    }

    fn open_close(
        &mut self,
        line: &[u8],
        i: usize,
        date: NaiveDate,
        line_no: u32,
        open: bool,
    ) -> Step {
        self.state = State::Skip;
        let start = skip_ws(line, i);
        let end = token_end(line, start);
        if !looks_like_account(&line[start..end]) {
            self.skip(line_no);
            return Ok(());
        }
        check_strings(&line[end..])?;
        let record = OpenRec {
            date,
            account: self.ledger.accounts.intern_bytes(&line[start..end]),
            file: self.file,
            line: line_no,
        };
        if open {
            self.ledger.opens.push(record);
        } else {
            self.ledger.closes.push(record);
        }
        Ok(())
    }

    fn balance(&mut self, line: &[u8], i: usize, date: NaiveDate, line_no: u32) -> Step {
        self.state = State::Skip;
        let start = skip_ws(line, i);
        let end = token_end(line, start);
        let account = &line[start..end];
        let mut i = skip_ws(line, end);
        let parsed = parse_expr(&line[i..]).and_then(|(number, used)| {
            i = skip_ws(line, i + used);
            let mut tolerance = None;
            if line.get(i) == Some(&b'~') {
                let (t, used) = parse_expr(&line[skip_ws(line, i + 1)..])?;
                tolerance = Some(t);
                i = skip_ws(line, skip_ws(line, i + 1) + used);
            }
            Some((number, tolerance, currency_token(line, i)?))
        });
        match parsed {
            Some((number, tolerance, currency_end)) if looks_like_account(account) => {
                let ledger = &mut *self.ledger;
                ledger.balances.push(BalanceRec {
                    number,
                    tolerance,
                    date,
                    account: ledger.accounts.intern_bytes(account),
                    currency: ledger.currencies.intern_bytes(&line[i..currency_end]),
                    file: self.file,
                    line: line_no,
                });
            }
            _ => self.skip(line_no),
        }
        Ok(())
    }

    fn pad(&mut self, line: &[u8], i: usize, date: NaiveDate, line_no: u32) -> Step {
        self.state = State::Skip;
        let start = skip_ws(line, i);
        let end = token_end(line, start);
        let source_start = skip_ws(line, end);
        let source_end = token_end(line, source_start);
        let (account, source) = (&line[start..end], &line[source_start..source_end]);
        if !looks_like_account(account) || !looks_like_account(source) {
            self.skip(line_no);
            return Ok(());
        }
        check_strings(&line[source_end..])?;
        let ledger = &mut *self.ledger;
        ledger.pads.push(PadRec {
            date,
            account: ledger.accounts.intern_bytes(account),
            source: ledger.accounts.intern_bytes(source),
            file: self.file,
            line: line_no,
        });
        Ok(())
    }

    fn keyword(&mut self, line: &[u8], line_no: u32) -> Step {
        self.state = State::Skip;
        let word_end = token_end(line, 0);
        let i = skip_ws(line, word_end);
        match &line[..word_end] {
            b"include" => {
                if line.get(i) != Some(&b'"') {
                    self.skip(line_no);
                    return Ok(());
                }
                let text_len = self.ledger.text.len();
                let (span, _) = self.read_string(line, i)?;
                let path = self.ledger.str(span).to_owned();
                self.ledger.text.truncate(text_len);
                self.includes.push((path, line_no));
            }
            b"pushtag" | b"poptag" if line.get(i) == Some(&b'#') => {
                let end = token_end(line, i + 1);
                let name = &line[i + 1..end];
                if word_end == 7 {
                    let span = self.push_text(name);
                    self.tag_stack.push(span);
                } else if let Some(pos) = self
                    .tag_stack
                    .iter()
                    .rposition(|&t| self.ledger.str(t).as_bytes() == name)
                {
                    self.tag_stack.remove(pos);
                }
            }
            b"pushmeta" => match meta_key(&line[i..]) {
                Some((key, after)) => {
                    let meta = self.meta(key, &line[i..], after)?;
                    self.meta_stack.push(meta);
                }
                None => self.skip(line_no),
            },
            b"popmeta" => match meta_key(&line[i..]) {
                Some((key, _)) => {
                    let key = self.ledger.keys.intern_bytes(key);
                    if let Some(pos) = self.meta_stack.iter().rposition(|m| m.key == key) {
                        self.meta_stack.remove(pos);
                    }
                }
                None => self.skip(line_no),
            },
            b"option" | b"plugin" => check_strings(&line[word_end..])?,
            _ => self.skip(line_no),
        }
        Ok(())
    }

    /// Reads the string starting at `line[i] == '"'`, unescaping it into the
    /// text arena. Returns its span and the index after the closing quote.
    fn read_string(&mut self, line: &[u8], i: usize) -> Result<(Span, usize), Unterminated> {
        let body = &line[i + 1..];
        let j = memchr2(b'"', b'\\', body).ok_or(Unterminated)?;
        if body[j] == b'"' {
            return Ok((self.push_text(&body[..j]), i + 1 + j + 1));
        }
        // Beancount's escapes: \n \t \r \f \b, and a backslash before any
        // other character stands for that character.
        let mut out = Vec::with_capacity(body.len());
        out.extend_from_slice(&body[..j]);
        let mut k = j;
        while k < body.len() {
            match body[k] {
                b'"' => return Ok((self.push_text(&out), i + 1 + k + 1)),
                b'\\' => {
                    let escaped = *body.get(k + 1).ok_or(Unterminated)?;
                    out.push(match escaped {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        b'f' => 0x0c,
                        b'b' => 0x08,
                        other => other,
                    });
                    k += 2;
                }
                c => {
                    out.push(c);
                    k += 1;
                }
            }
        }
        Err(Unterminated)
    }

    /// Appends text to the arena, replacing invalid UTF-8.
    fn push_text(&mut self, bytes: &[u8]) -> Span {
        let text = &mut self.ledger.text;
        let start = text.len() as u32;
        match std::str::from_utf8(bytes) {
            Ok(s) => text.push_str(s),
            Err(_) => text.push_str(&String::from_utf8_lossy(bytes)),
        }
        Span {
            start,
            len: text.len() as u32 - start,
        }
    }
}

/// Checks that every string opened in `s` (outside a comment) is closed.
fn check_strings(s: &[u8]) -> Step {
    let mut i = 0;
    while let Some(j) = memchr2(b'"', b';', &s[i..]) {
        if s[i + j] == b';' {
            return Ok(());
        }
        let mut k = i + j + 1;
        loop {
            let m = memchr2(b'"', b'\\', &s[k..]).ok_or(Unterminated)?;
            if s[k + m] == b'"' {
                i = k + m + 1;
                break;
            }
            k += m + 2;
            if k > s.len() {
                return Err(Unterminated);
            }
        }
    }
    Ok(())
}

/// Parses `YYYY-MM-DD` (or with `/`, or one-digit month and day) at the
/// start of `line`.
fn parse_date(line: &[u8]) -> Option<(NaiveDate, usize)> {
    let mut i = 0;
    let mut parts = [0u32; 3];
    for (n, part) in parts.iter_mut().enumerate() {
        let start = i;
        while let Some(&c @ b'0'..=b'9') = line.get(i) {
            *part = part.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
            i += 1;
        }
        if i == start {
            return None;
        }
        if n < 2 {
            if !matches!(line.get(i), Some(b'-' | b'/')) {
                return None;
            }
            i += 1;
        }
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(parts[0]).ok()?, parts[1], parts[2])?;
    Some((date, i))
}

/// The transaction flags of Beancount's grammar.
fn is_flag(c: u8) -> bool {
    matches!(
        c,
        b'*' | b'!' | b'&' | b'#' | b'?' | b'%' | b'P' | b'S' | b'T' | b'C' | b'U' | b'R' | b'M'
    )
}

/// An account: components joined by `:`, starting with an uppercase or
/// non-ASCII letter. Root names are not checked (options may rename them).
fn looks_like_account(s: &[u8]) -> bool {
    match s.first() {
        Some(&c) if c.is_ascii_uppercase() || c >= 0x80 => {
            memchr(b':', s).is_some() && s.last() != Some(&b':')
        }
        _ => false,
    }
}

/// The end of a currency starting at `s[i]`, if one does.
fn currency_token(s: &[u8], i: usize) -> Option<usize> {
    match s.get(i) {
        Some(c) if c.is_ascii_uppercase() || *c == b'/' => {}
        _ => return None,
    }
    let mut end = i + 1;
    while let Some(&c) = s.get(end) {
        if c.is_ascii_alphanumeric() || matches!(c, b'\'' | b'.' | b'_' | b'-' | b'/') {
            end += 1;
        } else {
            break;
        }
    }
    Some(end)
}

/// A metadata key (`[a-z][A-Za-z0-9_-]*:`) at the start of `s`: the key and
/// the index after the colon.
fn meta_key(s: &[u8]) -> Option<(&[u8], usize)> {
    if !s.first()?.is_ascii_lowercase() {
        return None;
    }
    let mut i = 1;
    while let Some(&c) = s.get(i) {
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
            i += 1;
        } else {
            break;
        }
    }
    (s.get(i) == Some(&b':')).then(|| (&s[..i], i + 1))
}

/// Skips spaces and tabs from `s[i]`.
pub(super) fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while matches!(s.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// The end of the token starting at `s[i]`: the next space, tab or end.
fn token_end(s: &[u8], i: usize) -> usize {
    i + s
        .get(i..)
        .map_or(0, |rest| memchr2(b' ', b'\t', rest).unwrap_or(rest.len()))
}

fn trim_start(s: &[u8]) -> &[u8] {
    &s[skip_ws(s, 0)..]
}

fn trim_end(s: &[u8]) -> &[u8] {
    let mut end = s.len();
    while end > 0 && matches!(s[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    &s[..end]
}
