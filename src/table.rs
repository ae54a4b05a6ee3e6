//! Plain-text tables for stdout: columns padded to their widest cell.

/// A table with a header row.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

/// One cell: its text and an optional style applied after padding (so
/// colour codes never disturb the alignment).
#[derive(Debug, Clone)]
pub struct Cell {
    text: String,
    style: Option<crate::ui::Style>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, style: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell {
            text: text.to_owned(),
            style: None,
        }
    }
}

impl Cell {
    /// A styled cell.
    pub fn styled(text: impl Into<String>, style: crate::ui::Style) -> Cell {
        Cell {
            text: text.into(),
            style: Some(style),
        }
    }
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// The table as text, one line per row, `indent` spaces before each.
    pub fn render(&self, indent: usize, color: bool) -> String {
        let ncols = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        // Bank text may hold control, bidi or escape characters; a table
        // cell shows them as escapes, on one line.
        let rows: Vec<Vec<(String, Option<crate::ui::Style>)>> = self
            .rows
            .iter()
            .map(|row| {
                (0..ncols)
                    .map(|i| {
                        row.get(i).map_or((String::new(), None), |c| {
                            (source::terminal::line(&c.text).into_owned(), c.style)
                        })
                    })
                    .collect()
            })
            .collect();
        for row in &rows {
            for (i, (text, _)) in row.iter().enumerate() {
                widths[i] = widths[i].max(text.chars().count());
            }
        }
        let pad = " ".repeat(indent);
        let mut out = String::new();
        let line = |cells: Vec<(String, Option<crate::ui::Style>)>, out: &mut String| {
            out.push_str(&pad);
            let last = cells.len().saturating_sub(1);
            for (i, (text, style)) in cells.into_iter().enumerate() {
                let width = text.chars().count();
                let shown = match style {
                    Some(s) => crate::ui::paint(&text, s, color),
                    None => text,
                };
                out.push_str(&shown);
                if i < last {
                    out.push_str(&" ".repeat(widths[i] - width + 2));
                }
            }
            // A row whose last cells are empty must not end in spaces.
            let trimmed = out.trim_end_matches(' ').len();
            out.truncate(trimmed);
            out.push('\n');
        };
        line(
            self.header
                .iter()
                .map(|h| (h.clone(), Some(crate::ui::Style::Bold)))
                .collect(),
            &mut out,
        );
        for row in rows {
            line(row, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns_and_escapes_control_characters() {
        let mut t = Table::new(&["ID", "NAME"]);
        t.row(vec!["a".into(), "Bank\none\x1b[2J".into()]);
        t.row(vec!["long-id".into(), "x".into()]);
        assert_eq!(
            t.render(0, false),
            "ID       NAME\na        Bank\\none\\u{1b}[2J\nlong-id  x\n"
        );
    }
}
