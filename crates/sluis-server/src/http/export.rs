//! The API's tables in every form a caller can ask for: JSON, plain CSV, CSV in the Dutch
//! spreadsheet convention and an XLSX workbook. A handler builds one [`Table`] (columns with a
//! [`Kind`], rows of [`Cell`]s) and answers [`Table::respond`] in the [`Form`] the request
//! negotiated (`format=` or `Accept`, see [`negotiate`]); nothing else knows the formats.
//!
//! Amounts are kept in cents and written in euros in every form: `1234.56` in plain CSV and
//! JSON, `1234,56` in the Dutch CSV, the number 1234.56 with a euro number format in XLSX.

use super::error::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use rust_xlsxwriter::{ExcelDateTime, Format as XlsxFormat, Workbook, XlsxError};
use sluis_core::standard::types::Datum;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// What a column holds; it decides how a cell is written in each form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A whole number (a count, an id).
    Count,
    /// A calendar day.
    Date,
    /// A moment (UTC).
    Moment,
    /// Euro cents, written in euros.
    Amount,
    /// A fraction between 0 and 1 (written as such; a percentage format in XLSX).
    Share,
    /// A number with a fraction (a median in days): a decimal comma in Dutch CSV.
    Decimal,
}

/// One cell. [`Cell::Empty`] fits every column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(i64),
    Date(Datum),
    /// A moment and its text as kept (written as is in CSV and JSON, exact to the digit).
    Moment(OffsetDateTime, String),
    Amount(i64),
    Share(f64),
    Decimal(f64),
    Empty,
}

impl Cell {
    fn kind(&self) -> Option<Kind> {
        match self {
            Cell::Text(_) => Some(Kind::Text),
            Cell::Count(_) => Some(Kind::Count),
            Cell::Date(_) => Some(Kind::Date),
            Cell::Moment(..) => Some(Kind::Moment),
            Cell::Amount(_) => Some(Kind::Amount),
            Cell::Share(_) => Some(Kind::Share),
            Cell::Decimal(_) => Some(Kind::Decimal),
            Cell::Empty => None,
        }
    }

    /// A text cell, empty when absent.
    pub fn text(s: Option<impl Into<String>>) -> Cell {
        s.map_or(Cell::Empty, |s| Cell::Text(s.into()))
    }

    /// A day from `JJJJ-MM-DD`; a text that is no day stays text (never lost); empty: empty.
    pub fn day(s: &str) -> Cell {
        if s.is_empty() {
            return Cell::Empty;
        }
        Datum::parse(s).map_or_else(|| Cell::Text(s.to_string()), Cell::Date)
    }

    /// A moment from RFC 3339; a text that is none stays text; empty: empty.
    pub fn moment(s: &str) -> Cell {
        if s.is_empty() {
            return Cell::Empty;
        }
        OffsetDateTime::parse(s, &Rfc3339).map_or_else(
            |_| Cell::Text(s.to_string()),
            |t| Cell::Moment(t, s.to_string()),
        )
    }

    pub fn count(n: impl TryInto<i64>) -> Cell {
        n.try_into().map_or(Cell::Empty, Cell::Count)
    }
}

/// A column: its name (the header, the JSON member) and kind.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

pub const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

/// A table: a name (the file name of a download and the sheet's name), its columns and rows.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: &'static str,
    pub columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
}

/// The forms of a table, and the other forms an endpoint may answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Json,
    Csv,
    /// Semicolons, decimal comma, UTF-8 with a byte order mark.
    CsvNl,
    Xlsx,
    /// JSON lines (the audit log).
    Jsonl,
    /// A message of the standard in XML.
    Xml,
    /// Prometheus' text format (`/metrics`).
    Text,
}

impl Form {
    /// The value of `format=`.
    pub fn name(self) -> &'static str {
        match self {
            Form::Json => "json",
            Form::Csv => "csv",
            Form::CsvNl => "csv-nl",
            Form::Xlsx => "xlsx",
            Form::Jsonl => "jsonl",
            Form::Xml => "xml",
            Form::Text => "text",
        }
    }

    /// The media type answered (and matched against `Accept`).
    pub fn media(self) -> &'static str {
        match self {
            Form::Json => "application/json",
            // Plain and Dutch CSV share the type; `format=csv-nl` picks the second.
            Form::Csv | Form::CsvNl => "text/csv",
            Form::Xlsx => XLSX,
            Form::Jsonl => "application/jsonl",
            Form::Xml => "application/xml",
            Form::Text => "text/plain",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Form::Json => "json",
            Form::Csv | Form::CsvNl => "csv",
            Form::Xlsx => "xlsx",
            Form::Jsonl => "jsonl",
            Form::Xml => "xml",
            Form::Text => "txt",
        }
    }
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The forms of every table endpoint, JSON first (the default).
pub const TABLE_FORMS: &[Form] = &[Form::Json, Form::Csv, Form::CsvNl, Form::Xlsx];

/// The form to answer in: `format=` when given (it wins over `Accept`; a value the endpoint
/// does not offer is a parameter error), else the best match of `Accept` among `offered` (in
/// its order of preference when the caller's weights tie), else 406 listing what is offered.
/// No `Accept` or `*/*` gives the first offered form.
pub fn negotiate(
    format: Option<&str>,
    accept: Option<&str>,
    offered: &[Form],
) -> Result<Form, ApiError> {
    let Some(&first) = offered.first() else {
        return Err(ApiError::Internal);
    };
    if let Some(f) = format {
        return offered
            .iter()
            .copied()
            .find(|o| o.name() == f)
            .ok_or_else(|| ApiError::Parameter {
                parameter: "format".into(),
                detail: format!(
                    "deze vorm bestaat hier niet; kies uit {}",
                    offered
                        .iter()
                        .map(|o| o.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
    }
    let accept = match accept.map(str::trim) {
        None | Some("") => return Ok(first),
        Some(a) => a,
    };
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .filter_map(|part| {
            let mut bits = part.split(';');
            let range = bits.next()?.trim().to_ascii_lowercase();
            let q = bits
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (!range.is_empty()).then_some((range, q))
        })
        .collect();
    // The weight the caller gives a media type: that of its most specific matching range.
    let weight = |media: &str| -> f32 {
        let (kind, _) = media.split_once('/').unwrap_or((media, ""));
        let mut best: Option<(u8, f32)> = None;
        for (range, q) in &ranges {
            let specificity = if range == media {
                3
            } else if range.strip_suffix("/*") == Some(kind) {
                2
            } else if range == "*/*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(s, _)| specificity > s) {
                best = Some((specificity, *q));
            }
        }
        best.map_or(0.0, |(_, q)| q)
    };
    let mut chosen: Option<(Form, f32)> = None;
    for &o in offered {
        // The Dutch CSV is asked for by `format=csv-nl` only: `text/csv` is the plain one.
        if o == Form::CsvNl {
            continue;
        }
        // XML is also asked for as `text/xml`.
        let w = match o {
            Form::Xml => weight(o.media()).max(weight("text/xml")),
            _ => weight(o.media()),
        };
        if w > 0.0 && chosen.is_none_or(|(_, cw)| w > cw) {
            chosen = Some((o, w));
        }
    }
    chosen
        .map(|(f, _)| f)
        .ok_or_else(|| ApiError::NotAcceptable {
            offered: offered
                .iter()
                .map(|o| o.media())
                .fold(Vec::new(), |mut v, m| {
                    if !v.contains(&m) {
                        v.push(m);
                    }
                    v
                }),
        })
}

/// Why a table could not be written (a fault, never the caller's).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("csv: {0}")]
    Io(#[from] std::io::Error),
}

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> ApiError {
        ApiError::internal(e)
    }
}

/// Euros with two decimals and the given decimal separator: `-1234,56`.
pub fn euros(cents: i64, comma: bool) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let sep = if comma { ',' } else { '.' };
    format!("{sign}{}{sep}{:02}", abs / 100, abs % 100)
}

/// A share with four decimals.
fn share(v: f64, comma: bool) -> String {
    let s = format!("{v:.4}");
    if comma {
        s.replace('.', ",")
    } else {
        s
    }
}

/// A text cell that a spreadsheet would run as a formula gets a leading `'` (CSV only: in
/// XLSX a string cell is never a formula).
fn defused(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

impl Table {
    /// A table of JSON objects: each column read from the member of its name (absent: empty).
    pub fn of_json(name: &'static str, columns: &[Column], items: &[serde_json::Value]) -> Table {
        let mut t = Table::new(name, columns);
        for item in items {
            t.push(
                columns
                    .iter()
                    .map(|c| {
                        let v = &item[c.name];
                        match (c.kind, v) {
                            (_, serde_json::Value::Null) => Cell::Empty,
                            (Kind::Amount, v) => v.as_i64().map_or(Cell::Empty, Cell::Amount),
                            (Kind::Count, v) => v.as_i64().map_or(Cell::Empty, Cell::Count),
                            (Kind::Share, v) => v.as_f64().map_or(Cell::Empty, Cell::Share),
                            (Kind::Decimal, v) => v.as_f64().map_or(Cell::Empty, Cell::Decimal),
                            (Kind::Date, serde_json::Value::String(s)) => Cell::day(s),
                            (Kind::Moment, serde_json::Value::String(s)) => Cell::moment(s),
                            (_, serde_json::Value::String(s)) => Cell::Text(s.clone()),
                            (_, v) => Cell::Text(v.to_string()),
                        }
                    })
                    .collect(),
            );
        }
        t
    }

    pub fn new(name: &'static str, columns: &[Column]) -> Table {
        Table {
            name,
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Add a row: one cell per column, each of the column's kind or empty. A row that does
    /// not fit is a programming error; it is caught by the tests (debug) and written as is.
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len(), "{}: row width", self.name);
        debug_assert!(
            row.iter()
                .zip(&self.columns)
                .all(|(c, col)| c.kind().is_none_or(|k| k == col.kind
                    // A day or moment that does not read stays the text it was.
                    || (k == Kind::Text && matches!(col.kind, Kind::Date | Kind::Moment)))),
            "{}: {row:?} does not fit {:?}",
            self.name,
            self.columns
        );
        self.rows.push(row);
    }

    pub fn rows(&self) -> &[Vec<Cell>] {
        &self.rows
    }

    /// An array of objects, one per row, members named after the columns; amounts in euros
    /// (a number with two decimals), dates as `JJJJ-MM-DD`, an empty cell as null.
    pub fn to_json(&self) -> serde_json::Value {
        let rows = self
            .rows
            .iter()
            .map(|row| {
                let obj = self
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(c, v)| {
                        let v = match v {
                            Cell::Text(s) => serde_json::Value::from(s.as_str()),
                            Cell::Count(n) => (*n).into(),
                            Cell::Date(d) => d.to_string().into(),
                            Cell::Moment(_, text) => text.as_str().into(),
                            Cell::Amount(c) => serde_json::from_str(&euros(*c, false))
                                .unwrap_or(serde_json::Value::Null),
                            Cell::Share(s) | Cell::Decimal(s) => serde_json::Number::from_f64(*s)
                                .map_or(serde_json::Value::Null, serde_json::Value::Number),
                            Cell::Empty => serde_json::Value::Null,
                        };
                        (c.name.to_string(), v)
                    })
                    .collect::<serde_json::Map<_, _>>();
                serde_json::Value::Object(obj)
            })
            .collect();
        serde_json::Value::Array(rows)
    }

    /// CSV with a header line: plain (comma, decimal point, UTF-8) or Dutch (semicolon,
    /// decimal comma, UTF-8 with a byte order mark, so that a spreadsheet reads the accents).
    pub fn to_csv(&self, dutch: bool) -> Result<Vec<u8>, ExportError> {
        let mut out = Vec::new();
        if dutch {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        let mut w = csv::WriterBuilder::new()
            .delimiter(if dutch { b';' } else { b',' })
            .from_writer(out);
        w.write_record(self.columns.iter().map(|c| c.name))?;
        for row in &self.rows {
            w.write_record(row.iter().map(|cell| match cell {
                Cell::Text(s) => defused(s).into_owned(),
                Cell::Count(n) => n.to_string(),
                Cell::Date(d) => d.to_string(),
                Cell::Moment(_, text) => text.clone(),
                Cell::Amount(c) => euros(*c, dutch),
                Cell::Share(s) => share(*s, dutch),
                Cell::Decimal(v) => {
                    let s = v.to_string();
                    if dutch {
                        s.replace('.', ",")
                    } else {
                        s
                    }
                }
                Cell::Empty => String::new(),
            }))?;
        }
        w.into_inner().map_err(|e| ExportError::Io(e.into_error()))
    }

    /// An XLSX workbook with one sheet: a bold, frozen header row; amounts as numbers in euros
    /// with a euro format, dates and moments as dates, shares as percentages.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, ExportError> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(self.name)?;
        let bold = XlsxFormat::new().set_bold();
        let euro = XlsxFormat::new().set_num_format(EURO_FORMAT);
        let date = XlsxFormat::new().set_num_format("yyyy-mm-dd");
        let moment = XlsxFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let pct = XlsxFormat::new().set_num_format("0.00%");
        for (c, col) in self.columns.iter().enumerate() {
            let c = c as u16;
            sheet.write_string_with_format(0, c, col.name, &bold)?;
            let width = match col.kind {
                Kind::Moment => 20.0,
                Kind::Date | Kind::Amount => 13.0,
                _ => (col.name.len() as f64 + 2.0).max(10.0),
            };
            sheet.set_column_width(c, width)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s)?;
                    }
                    Cell::Count(n) => {
                        sheet.write_number(r, c, *n as f64)?;
                    }
                    Cell::Date(d) => {
                        let d = d.date();
                        let x = ExcelDateTime::from_ymd(
                            u16::try_from(d.year()).unwrap_or(1900),
                            d.month() as u8,
                            d.day(),
                        )?;
                        sheet.write_datetime_with_format(r, c, &x, &date)?;
                    }
                    Cell::Moment(t, _) => {
                        let t = t.to_offset(time::UtcOffset::UTC);
                        let x = ExcelDateTime::from_ymd(
                            u16::try_from(t.year()).unwrap_or(1900),
                            t.month() as u8,
                            t.day(),
                        )?
                        .and_hms(
                            u16::from(t.hour()),
                            t.minute(),
                            t.second(),
                        )?;
                        sheet.write_datetime_with_format(r, c, &x, &moment)?;
                    }
                    Cell::Amount(cents) => {
                        sheet.write_number_with_format(r, c, *cents as f64 / 100.0, &euro)?;
                    }
                    Cell::Share(s) => {
                        sheet.write_number_with_format(r, c, *s, &pct)?;
                    }
                    Cell::Decimal(v) => {
                        sheet.write_number(r, c, *v)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        Ok(book.save_to_buffer()?)
    }

    /// The table in `form` as a response: a download (`Content-Disposition: attachment`) for
    /// CSV and XLSX; JSON inline. Forms that are not a table's are refused (a handler error).
    pub fn respond(&self, form: Form) -> Result<HttpResponse, ApiError> {
        let (media, body) = match form {
            Form::Json => return Ok(HttpResponse::Ok().json(self.to_json())),
            Form::Csv => ("text/csv; charset=utf-8", self.to_csv(false)?),
            Form::CsvNl => ("text/csv; charset=utf-8", self.to_csv(true)?),
            Form::Xlsx => (XLSX, self.to_xlsx()?),
            Form::Jsonl | Form::Xml | Form::Text => {
                return Err(ApiError::NotAcceptable {
                    offered: TABLE_FORMS.iter().map(|f| f.media()).collect(),
                })
            }
        };
        Ok(download(media, &self.file_name(form), body))
    }

    fn file_name(&self, form: Form) -> String {
        let suffix = if form == Form::CsvNl { "-nl" } else { "" };
        format!("{}{suffix}.{}", self.name, form.extension())
    }
}

/// The euro format of an amount cell: `€ 1.234,56` in a Dutch spreadsheet.
pub const EURO_FORMAT: &str = "[$€-413] #,##0.00;[$€-413] -#,##0.00";

/// A body to be saved as `file`.
pub fn download(media: &str, file: &str, body: Vec<u8>) -> HttpResponse {
    let mut resp = HttpResponse::Ok();
    resp.content_type(media);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        resp.insert_header((header::CONTENT_DISPOSITION, v));
    }
    resp.body(body)
}

/// The `format=` value of a request, if any (the negotiation reads it before the handler).
pub fn format_param(req: &HttpRequest) -> Option<String> {
    form_urlencoded_pairs(req.query_string())
        .into_iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v)
}

fn form_urlencoded_pairs(q: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(
            "voorbeeld",
            &[
                col("naam", Kind::Text),
                col("aantal", Kind::Count),
                col("datum", Kind::Date),
                col("bedrag", Kind::Amount),
                col("aandeel", Kind::Share),
            ],
        );
        t.push(vec![
            Cell::Text("Zorg; \"en\" meer".into()),
            Cell::Count(3),
            Cell::day("2026-11-23"),
            Cell::Amount(123_456),
            Cell::Share(0.75),
        ]);
        t.push(vec![
            Cell::Text("=SOM(A1)".into()),
            Cell::Empty,
            Cell::Empty,
            Cell::Amount(-5),
            Cell::Empty,
        ]);
        t
    }

    #[test]
    fn amounts_in_euros_in_every_form() {
        assert_eq!(euros(123_456, false), "1234.56");
        assert_eq!(euros(123_456, true), "1234,56");
        assert_eq!(euros(-5, true), "-0,05");
        let t = sample();
        let plain = String::from_utf8(t.to_csv(false).expect("csv")).expect("utf-8");
        assert!(
            plain.starts_with("naam,aantal,datum,bedrag,aandeel\n"),
            "{plain}"
        );
        assert!(
            plain.contains("\"Zorg; \"\"en\"\" meer\",3,2026-11-23,1234.56,0.7500\n"),
            "{plain}"
        );
        assert!(plain.contains("'=SOM(A1),,,-0.05,\n"), "{plain}");
        let nl = String::from_utf8(t.to_csv(true).expect("csv")).expect("utf-8");
        assert!(
            nl.starts_with("\u{feff}naam;aantal;datum;bedrag;aandeel\n"),
            "{nl}"
        );
        assert!(nl.contains(";3;2026-11-23;1234,56;0,7500\n"), "{nl}");
        assert_eq!(t.to_json()[0]["bedrag"], serde_json::json!(1234.56));
        assert!(t.to_xlsx().expect("xlsx").starts_with(b"PK"));
    }

    #[test]
    fn format_wins_accept_decides_else_406() {
        let f = |format, accept| negotiate(format, accept, TABLE_FORMS);
        assert_eq!(f(None, None).ok(), Some(Form::Json));
        assert_eq!(f(None, Some("*/*")).ok(), Some(Form::Json));
        assert_eq!(f(None, Some("text/csv")).ok(), Some(Form::Csv));
        assert_eq!(f(None, Some(XLSX)).ok(), Some(Form::Xlsx));
        assert_eq!(
            f(None, Some("application/json;q=0.5, text/*")).ok(),
            Some(Form::Csv)
        );
        assert_eq!(
            f(Some("csv-nl"), Some("application/json")).ok(),
            Some(Form::CsvNl)
        );
        assert!(matches!(
            f(Some("pdf"), None),
            Err(ApiError::Parameter { parameter, .. }) if parameter == "format"
        ));
        assert!(matches!(
            f(None, Some("application/pdf")),
            Err(ApiError::NotAcceptable { .. })
        ));
        assert!(matches!(
            f(None, Some("text/csv;q=0")),
            Err(ApiError::NotAcceptable { .. })
        ));
        let xml = [Form::Json, Form::Xml];
        assert_eq!(
            negotiate(None, Some("text/xml"), &xml).ok(),
            Some(Form::Xml)
        );
        assert_eq!(
            negotiate(None, Some("application/xml, application/json;q=0.9"), &xml).ok(),
            Some(Form::Xml)
        );
    }
}
