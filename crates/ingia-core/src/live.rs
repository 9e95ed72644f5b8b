//! The live stream a gate holds while online: Server-Sent Events whose messages are the same
//! admissions a pull returns, as they are accepted, and the manifest revision when it moves.
//! The server writes messages with [`LiveMessage::data`]; the scanner reads the byte stream with
//! [`SseParser`] (it uses `fetch`, since `EventSource` cannot send a device's bearer token) and
//! hands each message to [`crate::SyncSession::handle_live`].
//!
//! Invariant: an admissions message names the sequence it follows (`after`) and the one it
//! reaches (`seq`); a session applies its cursor only when `after` is not beyond its own, so a
//! gap (a message lost between two connections) is filled by a pull, never skipped.
//! Admissions messages carry ledger entries only (ticket, device, gate, time): no name, email or
//! phone. The one exception is [`PhoneArrival`]: the people who checked in by SMS or USSD for
//! this gate lately, with a short name and the gate code of their reply, so a steward can match
//! the phone held up to her and wave its holder through. A gate keeps that list in memory only
//! (the next stream brings it again), never in its storage.

use alloc::string::String;
use alloc::vec::Vec;

use crate::exchange;
use crate::ids::{TicketId, UnixMillis};
use crate::ledger::LedgerEntry;
use crate::wire::{Sticky, WireError, Writer};

/// Someone admitted by SMS or USSD for this gate: what the steward matches with the reply shown
/// on their phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneArrival {
    pub ticket: TicketId,
    pub at: UnixMillis,
    /// [`crate::sms::gate_code`] of the admission.
    pub code: String,
    /// [`crate::sms::short_name`] of the holder.
    pub name: String,
}

/// SSE event names.
pub const ADMISSIONS: &str = "admissions";
pub const REVISION: &str = "revision";
pub const PHONE: &str = "phone";

/// Most phone arrivals in one list, and how far back it reaches.
pub const MAX_PHONE: usize = 30;
pub const PHONE_WINDOW_MS: u64 = 30 * 60 * 1000;

/// Most admissions in one message (a reconnect after a long gap arrives in several).
pub const MAX_ENTRIES: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveMessage {
    /// The admissions accepted after sequence `after`, up to and including `seq`.
    Admissions { after: u64, seq: u64, server_time: UnixMillis, entries: Vec<LedgerEntry> },
    /// The event's manifest is at `revision` (a gate behind it pulls now).
    Revision(u64),
    /// The phone arrivals for this gate in the last [`PHONE_WINDOW_MS`], newest first, at most
    /// [`MAX_PHONE`]: the whole list, replacing the last one.
    Phone(Vec<PhoneArrival>),
}

impl LiveMessage {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            LiveMessage::Admissions { .. } => ADMISSIONS,
            LiveMessage::Revision(_) => REVISION,
            LiveMessage::Phone(_) => PHONE,
        }
    }

    /// The SSE `id` (what `Last-Event-ID` brings back on a reconnect): the sequence reached.
    pub fn id(&self) -> Option<u64> {
        match self {
            LiveMessage::Admissions { seq, .. } => Some(*seq),
            LiveMessage::Revision(_) | LiveMessage::Phone(_) => None,
        }
    }

    /// One line of text: `after base45(admissions exchange)`, or the revision number.
    pub fn data(&self) -> String {
        match self {
            LiveMessage::Admissions { after, seq, server_time, entries } => {
                let bytes = exchange::encode_admissions(*server_time, *seq, entries);
                let mut s = alloc::format!("{after} ");
                s.push_str(&base45::encode(bytes));
                s
            }
            LiveMessage::Revision(r) => alloc::format!("{r}"),
            LiveMessage::Phone(list) => {
                let mut w = Writer::new();
                w.varint(list.len() as u64);
                for a in list {
                    w.varint(u64::from(a.ticket.0)).varint(a.at.0).str(&a.code).str(&a.name);
                }
                base45::encode(w.into_bytes())
            }
        }
    }

    /// A message from its SSE event name and data; `Ok(None)` for an event this version does not
    /// know (a newer server may add some).
    pub fn parse(event: &str, data: &str) -> Result<Option<Self>, WireError> {
        match event {
            ADMISSIONS => {
                let (after, body) = data.split_once(' ').ok_or(WireError::BadValue("live admissions"))?;
                let after = after.parse().map_err(|_| WireError::BadValue("live sequence"))?;
                let bytes = base45::decode(body).map_err(|_| WireError::BadValue("live admissions text"))?;
                let (server_time, seq, entries) = exchange::decode_admissions(&bytes)?;
                if seq < after {
                    return Err(WireError::BadValue("live sequence"));
                }
                Ok(Some(LiveMessage::Admissions { after, seq, server_time, entries }))
            }
            REVISION => data
                .trim()
                .parse()
                .map(|r| Some(LiveMessage::Revision(r)))
                .map_err(|_| WireError::BadValue("live revision")),
            PHONE => {
                let bytes = base45::decode(data).map_err(|_| WireError::BadValue("live phone text"))?;
                let mut r = Sticky::new(&bytes);
                let n = r.count(4);
                if n > MAX_PHONE {
                    return Err(WireError::BadValue("live phone list"));
                }
                let list = (0..n)
                    .map(|_| PhoneArrival {
                        ticket: TicketId(r.u32()),
                        at: UnixMillis(r.varint()),
                        code: r.str(),
                        name: r.str(),
                    })
                    .collect();
                r.finish(Some(LiveMessage::Phone(list)))
            }
            _ => Ok(None),
        }
    }
}

/// One dispatched SSE event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
    pub id: Option<String>,
}

/// Reads the `text/event-stream` format (WHATWG HTML, "server-sent events") from byte chunks
/// split anywhere: lines end with LF, CR or CRLF; `:` lines are comments (keep-alives); a blank
/// line dispatches the event; `data` lines join with LF.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    /// The last chunk ended in CR: an LF starting the next one belongs to it.
    after_cr: bool,
    event: String,
    data: String,
    has_data: bool,
    id: Option<String>,
    /// Bytes held for one line: a stream that never ends a line is cut off.
    max_line: usize,
}

impl SseParser {
    pub fn new() -> Self {
        SseParser { max_line: 1 << 20, ..Default::default() }
    }

    /// Feeds bytes; returns the events they completed, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, WireError> {
        let mut out = Vec::new();
        for &b in bytes {
            let after_cr = core::mem::replace(&mut self.after_cr, false);
            match b {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = core::mem::take(&mut self.line);
                    if let Some(ev) = self.line_done(&line) {
                        out.push(ev);
                    }
                }
                _ => {
                    if self.line.len() >= self.max_line {
                        return Err(WireError::BadValue("event stream line too long"));
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(out)
    }

    fn line_done(&mut self, line: &[u8]) -> Option<SseEvent> {
        if line.is_empty() {
            let event = core::mem::take(&mut self.event);
            let data = core::mem::take(&mut self.data);
            if !core::mem::take(&mut self.has_data) {
                return None;
            }
            let event = if event.is_empty() { String::from("message") } else { event };
            return Some(SseEvent { event, data, id: self.id.clone() });
        }
        if line[0] == b':' {
            return None;
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (&*text, ""),
        };
        match field {
            "event" => self.event = String::from(value),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.id = Some(String::from(value)),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{DeviceId, ScanId, TicketId};
    use crate::ledger::Standing;
    use crate::presence::Stamp;
    use crate::{GateId, Movement};

    fn entry(ticket: u32) -> LedgerEntry {
        LedgerEntry {
            standing: Standing::Accepted { seq: ticket as u64 },
            ticket: TicketId(ticket),
            device: DeviceId(3),
            scan_id: ScanId(ticket as u64),
            stamp: Stamp { at: UnixMillis(1_000 + ticket as u64), gate: GateId(1), device: DeviceId(3) },
            movement: Movement::Entry,
        }
    }

    #[test]
    fn a_phone_list_goes_through_the_stream_whole_and_a_bad_one_is_refused() {
        let list = alloc::vec![
            PhoneArrival {
                ticket: TicketId(12),
                at: UnixMillis(1_700_000_000_000),
                code: "FMXY".into(),
                name: "Adaeze O.".into()
            },
            PhoneArrival {
                ticket: TicketId(7),
                at: UnixMillis(1_699_999_000_000),
                code: "0K3Z".into(),
                name: "ሰላም ዓ.".into()
            },
        ];
        let msg = LiveMessage::Phone(list);
        assert_eq!(msg.name(), PHONE);
        assert_eq!(msg.id(), None);
        let text = alloc::format!("event: {}\ndata: {}\n\n", msg.name(), msg.data());
        let got = SseParser::new().feed(text.as_bytes()).unwrap();
        assert_eq!(LiveMessage::parse(&got[0].event, &got[0].data).unwrap(), Some(msg.clone()));
        assert_eq!(
            LiveMessage::parse(PHONE, &LiveMessage::Phone(alloc::vec![]).data()).unwrap(),
            Some(LiveMessage::Phone(alloc::vec![]))
        );
        // Cut short, or longer than a list may be: refused, never half read.
        let data = msg.data();
        assert!(LiveMessage::parse(PHONE, &data[..data.len() - 3]).is_err());
        let many = LiveMessage::Phone(
            (0..=MAX_PHONE as u32)
                .map(|i| PhoneArrival { ticket: TicketId(i), at: UnixMillis(1), code: "AAAA".into(), name: "A".into() })
                .collect(),
        );
        assert!(LiveMessage::parse(PHONE, &many.data()).is_err());
    }

    #[test]
    fn a_message_survives_the_stream_split_at_every_byte() {
        let msg = LiveMessage::Admissions {
            after: 41,
            seq: 43,
            server_time: UnixMillis(1_700_000_000_000),
            entries: alloc::vec![entry(7), entry(9)],
        };
        let text = alloc::format!(
            ": keep-alive\r\nevent: {}\r\nid: {}\r\ndata: {}\r\n\r\nevent: revision\ndata: 12\n\n",
            msg.name(),
            msg.id().unwrap(),
            msg.data()
        );
        for cut in 0..text.len() {
            let mut p = SseParser::new();
            let mut got = p.feed(&text.as_bytes()[..cut]).unwrap();
            got.extend(p.feed(&text.as_bytes()[cut..]).unwrap());
            assert_eq!(got.len(), 2, "cut at {cut}");
            assert_eq!(got[0].id.as_deref(), Some("43"));
            assert_eq!(LiveMessage::parse(&got[0].event, &got[0].data).unwrap(), Some(msg.clone()));
            assert_eq!(LiveMessage::parse(&got[1].event, &got[1].data).unwrap(), Some(LiveMessage::Revision(12)));
        }
    }

    #[test]
    fn the_format_rules_hold() {
        let mut p = SseParser::new();
        // Multi-line data joins with LF; a bare CR ends a line; no data, no event; a field with
        // no colon; an unknown event name is not an error, just not ours.
        let got = p.feed(b"data: a\rdata:b\n\nevent: x\n\nid\ndata\n\nevent: future\ndata: 1\n\n").unwrap();
        assert_eq!(got[0], SseEvent { event: "message".into(), data: "a\nb".into(), id: None });
        assert_eq!(got[1], SseEvent { event: "message".into(), data: "".into(), id: Some("".into()) });
        assert_eq!(LiveMessage::parse(&got[2].event, &got[2].data), Ok(None));
        assert_eq!(got.len(), 3);
        // Damaged messages are typed errors, never a panic.
        for (ev, data) in [("admissions", "x"), ("admissions", "5 !!"), ("admissions", "9"), ("revision", "-1")] {
            assert!(LiveMessage::parse(ev, data).is_err(), "{ev} {data}");
        }
        let behind = LiveMessage::Admissions { after: 50, seq: 10, server_time: UnixMillis(0), entries: alloc::vec![] };
        assert!(LiveMessage::parse(ADMISSIONS, &behind.data()).is_err(), "seq before after");
        let mut p = SseParser { max_line: 8, ..SseParser::new() };
        assert!(p.feed(b"data: 0123456789").is_err());
    }
}
