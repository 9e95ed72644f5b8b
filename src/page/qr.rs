//! QR codes drawn in the page (the wallet's live code, the kiosk's badge): the `qrcode` crate's
//! module matrix as one SVG path, crisp at any size, no image crate.

use qrcode::{Color, EcLevel, QrCode};

/// An SVG of `text` as a QR code (level M, 4-module quiet zone), or `None` when it does not fit.
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let n = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let size = n + 2 * quiet;
    let mut path = String::with_capacity(n * n * 4);
    for y in 0..n {
        let mut x = 0;
        while x < n {
            if colors[y * n + x] == Color::Dark {
                // One run of dark modules per path segment.
                let start = x;
                while x < n && colors[y * n + x] == Color::Dark {
                    x += 1;
                }
                path.push_str(&format!("M{} {}h{}v1h-{}z", start + quiet, y + quiet, x - start, x - start));
            } else {
                x += 1;
            }
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}
