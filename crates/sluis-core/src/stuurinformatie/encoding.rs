//! The stored form of a message record ([`Nieuw`]): a small versioned binary format, so that
//! the gateway keeps every record on disk beside its message and loads the book at start-up
//! without reading a single message again.
//!
//! Layout (version 1): the version byte, then the fields in order, numbers as LEB128 varints
//! (signed ones zigzagged), dates as days since 2000-01-01 (zigzagged), texts as a varint
//! length and UTF-8. Interned references are written as their text, not their number: a
//! number is only valid in the book that gave it, the text is interned again on load. The
//! message id is not in the bytes (it is the record's key).
//!
//! ```text
//! record  = 0x01 soort aanbieder gemeente flags datum ontvangen identificatie codes regels
//! soort   = byte (bit 0: iWmo, bit 1: Sluis's own) (varint nummer | byte kind)
//! flags   = byte (bits 0-1: uitkomst, bit 2: technisch, bit 3: beantwoord)
//! codes   = varint n, n × (byte len, ASCII)
//! regels  = varint n, n × (varint bsn, varint toewijzing, byte tag, the fact's fields)
//! ```

use super::record::{Bericht, Code, Feit, Nieuw, Referenties, Regel, Soort, Uitkomst};
use crate::codes::Berichtsoort;
use crate::doelbereik::Kind;
use crate::standard::types::Datum;
use crate::validate::history::Domein;
use thiserror::Error;

/// The version this build writes. A version it does not read is an error; the gateway then
/// reads the record again from its message.
pub const VERSION: u8 = 1;

/// The Julian day of 2000-01-01: dates are written relative to it (two or three bytes).
const EPOCH: i32 = 2_451_545;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RecordError {
    #[error("message record: version {0} is not one this build reads")]
    Version(u8),
    #[error("message record: it ends early")]
    Truncated,
    #[error("message record: invalid {0}")]
    Invalid(&'static str),
    #[error("message record: reference {0} is not in the book")]
    Referentie(u32),
}

struct Writer<'a> {
    out: Vec<u8>,
    refs: &'a Referenties,
}

impl Writer<'_> {
    fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.out.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.out.push(n as u8);
    }

    fn signed(&mut self, n: i64) {
        self.varint(((n << 1) ^ (n >> 63)) as u64);
    }

    fn datum(&mut self, d: Datum) {
        self.signed(i64::from(d.to_days()) - i64::from(EPOCH));
    }

    fn text(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }

    /// An interned reference by its text; 0 (none) as the empty text.
    fn referentie(&mut self, n: u32) -> Result<(), RecordError> {
        if n == 0 {
            self.varint(0);
            return Ok(());
        }
        let s = self.refs.text(n).ok_or(RecordError::Referentie(n))?;
        self.text(s);
        Ok(())
    }

    fn code(&mut self, c: Option<Code>) {
        let s = c.as_ref().map_or("", Code::as_str);
        self.byte(s.len() as u8);
        self.out.extend_from_slice(s.as_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, RecordError> {
        let (&b, rest) = self.bytes.split_first().ok_or(RecordError::Truncated)?;
        self.bytes = rest;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, RecordError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(RecordError::Invalid("number"))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, RecordError> {
        u32::try_from(self.varint()?).map_err(|_| RecordError::Invalid(what))
    }

    fn signed(&mut self) -> Result<i64, RecordError> {
        let n = self.varint()?;
        Ok(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    fn i32(&mut self, what: &'static str) -> Result<i32, RecordError> {
        i32::try_from(self.signed()?).map_err(|_| RecordError::Invalid(what))
    }

    fn datum(&mut self) -> Result<Datum, RecordError> {
        let days = self
            .signed()?
            .checked_add(i64::from(EPOCH))
            .and_then(|d| i32::try_from(d).ok());
        days.and_then(Datum::from_days)
            .ok_or(RecordError::Invalid("date"))
    }

    fn take(&mut self, n: usize) -> Result<&[u8], RecordError> {
        if n > self.bytes.len() {
            return Err(RecordError::Truncated);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn text(&mut self) -> Result<&str, RecordError> {
        let n = usize::try_from(self.varint()?).map_err(|_| RecordError::Truncated)?;
        std::str::from_utf8(self.take(n)?).map_err(|_| RecordError::Invalid("text"))
    }

    /// A reference, interned in `refs`; the empty text is 0 (none).
    fn referentie(&mut self, refs: &mut Referenties) -> Result<u32, RecordError> {
        let s = self.text()?;
        Ok(if s.is_empty() { 0 } else { refs.intern(s) })
    }

    fn code(&mut self) -> Result<Option<Code>, RecordError> {
        let n = usize::from(self.byte()?);
        if n == 0 {
            return Ok(None);
        }
        let s = std::str::from_utf8(self.take(n)?).map_err(|_| RecordError::Invalid("code"))?;
        Code::new(s).map(Some).ok_or(RecordError::Invalid("code"))
    }
}

// Fact tags: stored, never renumbered.
const VERZOEK: u8 = 0;
const TOEWIJZING: u8 = 1;
const ANTWOORD: u8 = 2;
const START: u8 = 3;
const STOP: u8 = 4;
const DECLARATIE: u8 = 5;
const PRESTATIE: u8 = 6;
const PRESTATIE_TOEGEKEND: u8 = 7;
const PLAN: u8 = 8;
const RESULTAAT: u8 = 9;
const BEOORDELING: u8 = 10;
const DECLARATIE_ANTWOORD: u8 = 11;
const AFGEWEZEN: u8 = 12;
const DECLARATIE_ANTWOORD_AFGEKEURD: u8 = 13;

fn uitkomst_bits(u: Uitkomst) -> u8 {
    match u {
        Uitkomst::Geaccepteerd => 0,
        Uitkomst::Deels => 1,
        Uitkomst::Afgekeurd => 2,
    }
}

fn domein_bit(d: Domein) -> u8 {
    match d {
        Domein::Ijw => 0,
        Domein::Iwmo => 1,
    }
}

/// The stored bytes of a record whose references were interned in `refs`.
pub fn encode(n: &Nieuw, refs: &Referenties) -> Result<Vec<u8>, RecordError> {
    let b = &n.bericht;
    let mut w = Writer {
        out: Vec::with_capacity(24 + 12 * n.regels.len()),
        refs,
    };
    w.byte(VERSION);
    match b.soort {
        Soort::Standaard(s) => {
            w.byte(domein_bit(s.domein));
            w.varint(u64::from(s.nummer));
        }
        Soort::Eigen(d, k) => {
            w.byte(domein_bit(d) | 2);
            let i = Kind::ALL.iter().position(|x| *x == k).unwrap_or(0);
            w.byte(i as u8);
        }
    }
    w.varint(u64::from(b.aanbieder));
    w.varint(u64::from(b.gemeente));
    w.byte(uitkomst_bits(b.uitkomst) | u8::from(b.technisch) << 2 | u8::from(b.beantwoord) << 3);
    w.datum(b.datum);
    w.datum(b.ontvangen);
    w.referentie(b.identificatie)?;
    w.varint(n.codes.len() as u64);
    for c in &n.codes {
        w.code(Some(*c));
    }
    w.varint(n.regels.len() as u64);
    for r in &n.regels {
        w.varint(u64::from(r.bsn));
        w.varint(u64::from(r.toewijzing));
        match &r.feit {
            Feit::Verzoek { referentie } => {
                w.byte(VERZOEK);
                w.referentie(*referentie)?;
            }
            Feit::Toewijzing {
                referentie,
                product,
                toewijzingsdatum,
                ingangsdatum,
                volume,
            } => {
                w.byte(TOEWIJZING);
                w.referentie(*referentie)?;
                w.code(*product);
                w.datum(*toewijzingsdatum);
                w.datum(*ingangsdatum);
                // u32::MAX (no total) as 0, every other volume one up.
                w.varint(u64::from(*volume).wrapping_add(1) & 0xffff_ffff);
            }
            Feit::Antwoord { referentie } => {
                w.byte(ANTWOORD);
                w.referentie(*referentie)?;
            }
            Feit::Start { begindatum } => {
                w.byte(START);
                w.datum(*begindatum);
            }
            Feit::Stop { einddatum } => {
                w.byte(STOP);
                w.datum(*einddatum);
            }
            Feit::Declaratie { periode_eind } => {
                w.byte(DECLARATIE);
                w.datum(*periode_eind);
            }
            Feit::Prestatie {
                product,
                periode_begin,
                volume,
                bedrag,
                toegekend,
                referentie,
            } => {
                w.byte(if *toegekend {
                    PRESTATIE_TOEGEKEND
                } else {
                    PRESTATIE
                });
                w.code(*product);
                w.datum(*periode_begin);
                w.signed(i64::from(*volume));
                w.signed(i64::from(*bedrag));
                w.varint(u64::from(*referentie));
            }
            Feit::Plan { versie } => {
                w.byte(PLAN);
                w.varint(u64::from(*versie));
            }
            Feit::Resultaat => w.byte(RESULTAAT),
            Feit::Beoordeling => w.byte(BEOORDELING),
            Feit::DeclaratieAntwoord {
                declaratie,
                afgekeurd,
            } => {
                w.byte(if *afgekeurd {
                    DECLARATIE_ANTWOORD_AFGEKEURD
                } else {
                    DECLARATIE_ANTWOORD
                });
                w.referentie(*declaratie)?;
            }
            Feit::Afgewezen {
                declaratie,
                prestatie,
            } => {
                w.byte(AFGEWEZEN);
                w.referentie(*declaratie)?;
                w.varint(u64::from(*prestatie));
            }
        }
    }
    Ok(w.out)
}

/// The record stored as `bytes` for message `id`, its references interned in `refs`.
pub fn decode(id: u64, bytes: &[u8], refs: &mut Referenties) -> Result<Nieuw, RecordError> {
    let mut r = Reader { bytes };
    let version = r.byte()?;
    if version != VERSION {
        return Err(RecordError::Version(version));
    }
    let tag = r.byte()?;
    let domein = if tag & 1 == 0 {
        Domein::Ijw
    } else {
        Domein::Iwmo
    };
    let soort = if tag & 2 == 0 {
        let nummer = u16::try_from(r.varint()?).map_err(|_| RecordError::Invalid("soort"))?;
        Soort::Standaard(Berichtsoort { domein, nummer })
    } else {
        let k = Kind::ALL
            .get(usize::from(r.byte()?))
            .ok_or(RecordError::Invalid("soort"))?;
        Soort::Eigen(domein, *k)
    };
    let aanbieder = r.u32("aanbieder")?;
    let gemeente = u16::try_from(r.varint()?).map_err(|_| RecordError::Invalid("gemeente"))?;
    let flags = r.byte()?;
    let uitkomst = match flags & 3 {
        0 => Uitkomst::Geaccepteerd,
        1 => Uitkomst::Deels,
        2 => Uitkomst::Afgekeurd,
        _ => return Err(RecordError::Invalid("uitkomst")),
    };
    let datum = r.datum()?;
    let ontvangen = r.datum()?;
    let identificatie = r.referentie(refs)?;
    let n_codes = r.varint()?;
    let mut codes = Vec::with_capacity(n_codes.min(64) as usize);
    for _ in 0..n_codes {
        codes.push(r.code()?.ok_or(RecordError::Invalid("code"))?);
    }
    let n_regels = r.varint()?;
    let mut regels = Vec::with_capacity(n_regels.min(1024) as usize);
    for _ in 0..n_regels {
        let bsn = r.u32("bsn")?;
        let toewijzing = r.u32("toewijzing")?;
        let feit = match r.byte()? {
            VERZOEK => Feit::Verzoek {
                referentie: r.referentie(refs)?,
            },
            TOEWIJZING => Feit::Toewijzing {
                referentie: r.referentie(refs)?,
                product: r.code()?,
                toewijzingsdatum: r.datum()?,
                ingangsdatum: r.datum()?,
                volume: r.u32("volume")?.wrapping_sub(1),
            },
            ANTWOORD => Feit::Antwoord {
                referentie: r.referentie(refs)?,
            },
            START => Feit::Start {
                begindatum: r.datum()?,
            },
            STOP => Feit::Stop {
                einddatum: r.datum()?,
            },
            DECLARATIE => Feit::Declaratie {
                periode_eind: r.datum()?,
            },
            t @ (PRESTATIE | PRESTATIE_TOEGEKEND) => Feit::Prestatie {
                product: r.code()?,
                periode_begin: r.datum()?,
                volume: r.i32("volume")?,
                bedrag: r.i32("bedrag")?,
                toegekend: t == PRESTATIE_TOEGEKEND,
                referentie: r.u32("referentie")?,
            },
            PLAN => Feit::Plan {
                versie: r.u32("versie")?,
            },
            RESULTAAT => Feit::Resultaat,
            BEOORDELING => Feit::Beoordeling,
            t @ (DECLARATIE_ANTWOORD | DECLARATIE_ANTWOORD_AFGEKEURD) => Feit::DeclaratieAntwoord {
                declaratie: r.referentie(refs)?,
                afgekeurd: t == DECLARATIE_ANTWOORD_AFGEKEURD,
            },
            AFGEWEZEN => Feit::Afgewezen {
                declaratie: r.referentie(refs)?,
                prestatie: r.u32("prestatie")?,
            },
            _ => return Err(RecordError::Invalid("fact")),
        };
        regels.push(Regel {
            bsn,
            toewijzing,
            feit,
        });
    }
    if !r.bytes.is_empty() {
        return Err(RecordError::Invalid("length"));
    }
    Ok(Nieuw::new(
        Bericht {
            id,
            soort,
            aanbieder,
            gemeente,
            uitkomst,
            technisch: flags & 4 != 0,
            beantwoord: flags & 8 != 0,
            datum,
            ontvangen,
            identificatie,
            ..Bericht::leeg()
        },
        regels,
        codes,
    ))
}
