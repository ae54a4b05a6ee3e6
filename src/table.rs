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
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(ncols) {
                widths[i] = widths[i].max(cell.text.chars().count());
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
        for row in &self.rows {
            let cells = (0..ncols)
                .map(|i| {
                    row.get(i)
                        .map_or((String::new(), None), |c| (clean(&c.text), c.style))
                })
                .collect();
            line(cells, &mut out);
        }
        out
    }
}

/// Bank text may hold control characters; a table cell must not.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns_and_strips_control_characters() {
        let mut t = Table::new(&["ID", "NAME"]);
        t.row(vec!["a".into(), "Bank\none".into()]);
        t.row(vec!["long-id".into(), "x".into()]);
        assert_eq!(
            t.render(0, false),
            "ID       NAME\na        Bank one\nlong-id  x\n"
        );
    }
}
