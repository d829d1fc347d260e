//! Halo note HTML → plain text for a ContraForce comment. A small forgiving
//! scanner, not an HTML parser: block elements become lines, list items get a
//! `- ` marker, entities are decoded, scripts and styles are dropped, and broken
//! markup degrades to text instead of failing.

/// Elements that start and end a line of their own.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hr",
    "main",
    "nav",
    "section",
    "summary",
    "table",
    "tr",
];

/// Elements that also leave a blank line around them (outside lists).
const PARAGRAPHS: &[&str] = &["blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "p", "pre"];

/// Elements whose content is never text for a reader.
const HIDDEN: &[&str] = &["script", "style", "head", "title", "template", "noscript"];

/// The text a reader sees in `html`: one line per paragraph, line break, div,
/// heading or list item (items prefixed `- `, nested ones indented), entities
/// decoded (numeric ones too), runs of blank lines collapsed to one, trimmed.
pub fn html_to_text(html: &str) -> String {
    // ASCII lower-casing keeps every byte offset, so positions found in `lower`
    // are valid in `html`.
    let lower = html.to_ascii_lowercase();
    let mut out = Lines::default();
    let mut pos = 0;
    let mut text_from = 0;

    while let Some(found) = html[pos..].find('<') {
        let at = pos + found;
        match markup_at(html, &lower, at) {
            Some((end, markup)) => {
                out.text(&html[text_from..at]);
                out.markup(&markup);
                pos = end;
                text_from = end;
            }
            None => pos = at + 1,
        }
    }
    out.text(&html[text_from..]);
    out.finish()
}

/// What a piece of markup means for the text.
enum Markup {
    /// A comment, doctype, processing instruction or hidden element: nothing.
    Skip,
    Tag {
        name: String,
        closing: bool,
    },
}

/// The markup starting at the `<` at byte `at` and the offset just after it,
/// or `None` when that `<` is plain text (`a < b`, `<3`).
fn markup_at(html: &str, lower: &str, at: usize) -> Option<(usize, Markup)> {
    let bytes = html.as_bytes();
    if lower[at..].starts_with("<!--") {
        let end = lower[at + 4..]
            .find("-->")
            .map_or(html.len(), |i| at + 4 + i + 3);
        return Some((end, Markup::Skip));
    }
    let next = *bytes.get(at + 1)?;
    if next == b'!' || next == b'?' {
        let end = html[at..].find('>').map_or(html.len(), |i| at + i + 1);
        return Some((end, Markup::Skip));
    }

    let closing = next == b'/';
    let name_from = at + 1 + usize::from(closing);
    if !bytes.get(name_from)?.is_ascii_alphabetic() {
        return None;
    }
    let name_len = bytes[name_from..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let name = lower[name_from..name_from + name_len].to_owned();
    let end = tag_end(bytes, name_from + name_len);

    if !closing && HIDDEN.contains(&name.as_str()) {
        let close = format!("</{name}");
        let end = match lower[end..].find(&close) {
            Some(i) => tag_end(bytes, end + i + close.len()),
            None => html.len(),
        };
        return Some((end, Markup::Skip));
    }
    Some((end, Markup::Tag { name, closing }))
}

/// The offset just after the `>` closing a tag whose attributes start at
/// `from`; a `>` inside a quoted attribute value does not count. An unclosed
/// tag runs to the end.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    let mut previous = b' ';
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            // Only a value that starts with a quote is quoted: `alt=don't` is not.
            None if (b == b'"' || b == b'\'') && previous == b'=' => quote = Some(b),
            None if b == b'>' => return i + 1,
            None => {}
        }
        if !b.is_ascii_whitespace() {
            previous = b;
        }
    }
    bytes.len()
}

/// The text being built, line by line.
#[derive(Default)]
struct Lines {
    done: Vec<String>,
    line: String,
    /// White space seen since the last character: one space if more text follows.
    space: bool,
    /// A list marker waiting for the item's first character.
    marker: Option<String>,
    list_depth: usize,
    pre_depth: usize,
}

impl Lines {
    fn text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        let decoded = html_escape::decode_html_entities(raw);
        for c in decoded.chars() {
            if self.pre_depth > 0 && c == '\n' {
                self.end_line();
            } else if self.pre_depth > 0 && c == ' ' {
                self.push(c);
            } else if c.is_whitespace() {
                self.space = true;
            } else if !c.is_control() {
                if self.space && !self.line.is_empty() {
                    self.line.push(' ');
                }
                self.space = false;
                self.push(c);
            }
        }
    }

    fn push(&mut self, c: char) {
        if self.line.is_empty()
            && let Some(marker) = self.marker.take()
        {
            self.line.push_str(&marker);
        }
        self.line.push(c);
    }

    fn markup(&mut self, markup: &Markup) {
        let Markup::Tag { name, closing } = markup else {
            return;
        };
        let name = name.as_str();
        match name {
            "br" => self.end_line(),
            "li" => {
                self.end_block();
                if !closing {
                    let indent = "  ".repeat(self.list_depth.saturating_sub(1));
                    self.marker = Some(format!("{indent}- "));
                }
            }
            "ul" | "ol" => {
                self.end_block();
                self.marker = None;
                self.list_depth = if *closing {
                    self.list_depth.saturating_sub(1)
                } else {
                    self.list_depth.saturating_add(1)
                };
            }
            "td" | "th" => self.space = true,
            "pre" => {
                self.end_paragraph();
                self.pre_depth = if *closing {
                    self.pre_depth.saturating_sub(1)
                } else {
                    self.pre_depth.saturating_add(1)
                };
            }
            _ if PARAGRAPHS.contains(&name) => self.end_paragraph(),
            _ if BLOCKS.contains(&name) => self.end_block(),
            _ => {}
        }
    }

    fn end_line(&mut self) {
        self.done.push(std::mem::take(&mut self.line));
        self.space = false;
    }

    fn end_block(&mut self) {
        if !self.line.is_empty() {
            self.end_line();
        }
        self.space = false;
    }

    fn end_paragraph(&mut self) {
        self.end_block();
        if self.list_depth == 0 {
            self.done.push(String::new());
        }
    }

    fn finish(mut self) -> String {
        self.end_block();
        tidy_lines(self.done.iter().map(String::as_str))
    }
}

/// Joins lines with their trailing white space removed, at most one blank line
/// in a row, and no blank lines at either end.
pub(crate) fn tidy_lines<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut blank_pending = false;
    for line in lines.map(str::trim_end) {
        if line.is_empty() {
            blank_pending = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank_pending {
                out.push('\n');
            }
        }
        blank_pending = false;
        out.push_str(line);
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paragraph() {
        assert_eq!(
            html_to_text("<p>Password reset and sessions revoked.</p>"),
            "Password reset and sessions revoked."
        );
    }

    #[test]
    fn paragraphs_are_separated_by_one_blank_line() {
        assert_eq!(html_to_text("<p>one</p><p>two</p>"), "one\n\ntwo");
        assert_eq!(
            html_to_text("<p>one</p>\n\n<p></p><p> </p>\n<p>two</p>"),
            "one\n\ntwo"
        );
    }

    #[test]
    fn breaks_and_divs_make_lines() {
        assert_eq!(html_to_text("a<br>b<br/>c<BR />d"), "a\nb\nc\nd");
        assert_eq!(html_to_text("<div>a</div><div>b</div>"), "a\nb");
        assert_eq!(
            html_to_text("a<br><br><br><br>b"),
            "a\n\nb",
            "blank runs collapse"
        );
    }

    #[test]
    fn headings_are_lines_of_their_own() {
        assert_eq!(
            html_to_text("<h2>Findings</h2>two hosts"),
            "Findings\n\ntwo hosts"
        );
    }

    #[test]
    fn list_items_get_a_marker() {
        assert_eq!(
            html_to_text(
                "<p>Done:</p><ul><li>reset password</li><li>revoked <b>sessions</b></li></ul>"
            ),
            "Done:\n\n- reset password\n- revoked sessions"
        );
        assert_eq!(
            html_to_text("<ol><li><p>first</p></li><li></li><li>third</li></ol>"),
            "- first\n- third"
        );
    }

    #[test]
    fn nested_list_items_are_indented() {
        assert_eq!(
            html_to_text("<ul><li>outer<ul><li>inner</li></ul></li><li>next</li></ul>"),
            "- outer\n  - inner\n- next"
        );
    }

    #[test]
    fn entities_named_and_numeric() {
        assert_eq!(
            html_to_text("R&amp;D &lt;lab&gt; &quot;x&quot; &#39;y&#39; &#x1F600; &eacute;"),
            "R&D <lab> \"x\" 'y' 😀 é"
        );
        assert_eq!(html_to_text("a&nbsp;b"), "a b");
    }

    #[test]
    fn escaped_markup_stays_text() {
        assert_eq!(
            html_to_text("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "<script>alert(1)</script>"
        );
    }

    #[test]
    fn script_and_style_contents_are_dropped() {
        assert_eq!(
            html_to_text(
                "<style>p{color:red}</style><p>kept</p><script>alert('<p>x</p>')</script>"
            ),
            "kept"
        );
        assert_eq!(html_to_text("a<SCRIPT type=x>b</ScRiPt >c"), "ac");
        assert_eq!(html_to_text("a<script>never closed"), "a");
    }

    #[test]
    fn comments_and_doctypes_are_dropped() {
        assert_eq!(html_to_text("<!DOCTYPE html><!-- note -->a<!-- b"), "a");
        assert_eq!(html_to_text("<?xml version=\"1.0\"?>a"), "a");
    }

    #[test]
    fn white_space_collapses_like_a_browser_shows_it() {
        assert_eq!(html_to_text("  a \n\t b  "), "a b");
        assert_eq!(html_to_text("<p>\n  line\n  wrapped\n</p>"), "line wrapped");
        assert_eq!(html_to_text("a<b>b</b>c <i> d </i>"), "abc d");
    }

    #[test]
    fn preformatted_text_keeps_its_lines() {
        assert_eq!(html_to_text("<pre>a  b\nc</pre>"), "a  b\nc");
    }

    #[test]
    fn table_cells_are_spaced() {
        assert_eq!(
            html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"),
            "a b\nc"
        );
    }

    #[test]
    fn stray_angle_brackets_are_text() {
        assert_eq!(html_to_text("a < b and 3<4 and <3"), "a < b and 3<4 and <3");
        assert_eq!(html_to_text("a </ b"), "a </ b");
        assert_eq!(html_to_text("<"), "<");
    }

    #[test]
    fn broken_markup_degrades_without_panicking() {
        assert_eq!(html_to_text("<p>open"), "open");
        assert_eq!(html_to_text("text<p"), "text");
        assert_eq!(html_to_text("</p></div></li></ul></pre>x"), "x");
        assert_eq!(html_to_text("<a href=\"x>y\">link</a>"), "link");
        assert_eq!(html_to_text("<img alt=don't>after"), "after");
        // Numeric references that name no character stay as written.
        let bad_references = "&#xD800; &#99999999999; &#0; &bogus; &";
        assert_eq!(html_to_text(bad_references), bad_references);
    }

    #[test]
    fn empty_and_markup_only_is_blank() {
        assert_eq!(html_to_text(""), "");
        assert_eq!(html_to_text("<p></p><br><div> &nbsp; </div>"), "");
        assert_eq!(html_to_text("<img src=\"x.png\">"), "");
    }
}
