//! Small helpers shared by the CLI and the API: the clock, randomness, hex, token hashing and
//! RFC 3339 time parsing. The server's only clock read is [`now_ms`].

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).expect("the OS random source is available");
    out
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

/// A new bearer secret: a readable prefix and 256 random bits.
pub fn new_secret(prefix: &str) -> String {
    format!("{prefix}_{}", hex(&random_bytes::<32>()))
}

/// A wallet link's secret: 128 random bits in 26 characters of Crockford's base32 (lower case),
/// after `w`: short enough that the ticket SMS with its link fits fewer segments.
pub fn wallet_secret() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let n = u128::from_be_bytes(random_bytes::<16>());
    let mut out = String::from("w");
    out.extend((0..26).map(|i| ALPHABET[((n >> (125 - 5 * i)) & 31) as usize] as char));
    out
}

/// What the database keeps of a bearer secret: its SHA-256, so a leaked database opens nothing.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Parses `YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM)` into Unix seconds.
pub fn parse_rfc3339(s: &str) -> Result<i64> {
    let bad = || Error::BadRequest(format!("`{s}` is not a time like 2026-12-31T18:00+01:00"));
    let (date, rest) = s.split_once('T').ok_or_else(bad)?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = match (d.next(), d.next(), d.next(), d.next()) {
        (Some(Ok(y)), Some(Ok(m)), Some(Ok(day)), None) => (y, m, day),
        _ => return Err(bad()),
    };
    let (clock, offset_secs) = if let Some(c) = rest.strip_suffix('Z') {
        (c, 0)
    } else {
        let pos = rest.rfind(['+', '-']).ok_or_else(bad)?;
        let (c, off) = rest.split_at(pos);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (oh, om) = off[1..].split_once(':').ok_or_else(bad)?;
        let (oh, om) = (oh.parse::<i64>().map_err(|_| bad())?, om.parse::<i64>().map_err(|_| bad())?);
        if oh > 14 || om > 59 {
            return Err(bad());
        }
        (c, sign * (oh * 3600 + om * 60))
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let num = |p: &str| p.parse::<i64>().map_err(|_| bad());
    let (h, mi, sec) = (num(parts[0])?, num(parts[1])?, if parts.len() == 3 { num(parts[2])? } else { 0 });
    let days_in_month = [31, if is_leap(y) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1970..=2105).contains(&y) || !(1..=12).contains(&m) || day < 1 || day > days_in_month[(m - 1) as usize] {
        return Err(bad());
    }
    if h > 23 || mi > 59 || sec > 59 {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, day) * 86_400 + h * 3600 + mi * 60 + sec - offset_secs)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` UTC (exports, CLI output).
pub fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// A text cell a spreadsheet will not run: values starting like a formula get a leading quote
/// (every CSV the server or its CLI writes passes names, emails and gate names through this).
pub fn spreadsheet_safe(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

/// A QR code (error correction M, with its quiet zone) as SVG: printed tickets, pairing codes.
pub fn qr_svg(text: &str) -> String {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).expect("fits a QR code");
    code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(300, 300).quiet_zone(true).build()
}

/// The same QR code as a PNG (8 px per module, grey levels 0 and 255), for mail clients that
/// show no SVG.
pub fn qr_png(text: &str) -> Result<Vec<u8>> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| Error::Internal("the text does not fit a QR code".into()))?;
    let (modules, quiet, scale) = (code.width(), 4usize, 8usize);
    let side = (modules + 2 * quiet) * scale;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = ((i % modules + quiet) * scale, (i / modules + quiet) * scale);
            for row in pixels[y * side..].chunks_mut(side).take(scale) {
                row[x..x + scale].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| Error::Internal(format!("png: {e}")))?;
    writer.write_image_data(&pixels).map_err(|e| Error::Internal(format!("png: {e}")))?;
    writer.finish().map_err(|e| Error::Internal(format!("png: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_format() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00Z").unwrap(), 0);
        assert_eq!(parse_rfc3339("2026-12-31T18:00+01:00").unwrap(), 1_798_736_400);
        assert_eq!(format_utc(1_798_736_400), "2026-12-31 17:00:00");
        assert_eq!(parse_rfc3339("2024-02-29T12:30:15-05:30").unwrap(), parse_rfc3339("2024-02-29T18:00:15Z").unwrap());
        for bad in ["2026-02-30T10:00Z", "2026-12-31 18:00Z", "tomorrow", "2026-12-31T25:00Z", "2026-12-31T18:00"] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_hash_and_hex_round_trip() {
        let s = new_secret("ingd");
        assert!(s.starts_with("ingd_") && s.len() == 5 + 64);
        assert_ne!(secret_hash(&s), s);
        assert_eq!(unhex(&hex(&[0, 1, 0xab])).unwrap(), vec![0, 1, 0xab]);
        assert!(unhex("zz").is_none());
    }

    #[test]
    fn names_that_look_like_formulas_stay_text_in_a_spreadsheet() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"http://x\")".into()), "'=HYPERLINK(\"http://x\")");
        for s in ["+1", "-2", "@SUM(A1)", "\tx"] {
            assert!(spreadsheet_safe(s.into()).starts_with('\''), "{s}");
        }
        assert_eq!(spreadsheet_safe("Ngozi Adeyemi".into()), "Ngozi Adeyemi");
    }
}
