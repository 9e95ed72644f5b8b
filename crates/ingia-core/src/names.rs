//! One owner for the names of Ingia's enums: each gets its stable snake_case `slug()` (API,
//! database, audit log, CSS) and its one-byte `code()` (binary formats) here, with the reverse
//! `from_slug` / `from_code`, so no other place spells them.
//! Invariant: a slug and a code, once published, never change meaning.

/// Implements `ALL`, `slug`, `from_slug`, `code` and `from_code` for a fieldless enum.
macro_rules! named {
    ($name:ident { $($variant:ident = $code:literal $slug:literal),+ $(,)? }) => {
        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable snake_case name.
            pub const fn slug(self) -> &'static str {
                match self { $($name::$variant => $slug),+ }
            }
            pub fn from_slug(slug: &str) -> Option<Self> {
                match slug { $($slug => Some($name::$variant),)+ _ => None }
            }
            /// The stable one-byte code.
            pub const fn code(self) -> u8 {
                match self { $($name::$variant => $code),+ }
            }
            pub fn from_code(code: u8) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

pub(crate) use named;

#[cfg(test)]
mod tests {
    use crate::{Movement, Role, TicketStatus, Tone};

    fn round_trips<T: Copy + PartialEq + core::fmt::Debug>(
        all: &[T],
        slug: fn(T) -> &'static str,
        from_slug: fn(&str) -> Option<T>,
        code: fn(T) -> u8,
        from_code: fn(u8) -> Option<T>,
    ) {
        for &v in all {
            assert_eq!(from_slug(slug(v)), Some(v));
            assert_eq!(from_code(code(v)), Some(v));
        }
        let slugs: alloc::collections::BTreeSet<_> = all.iter().map(|&v| slug(v)).collect();
        assert_eq!(slugs.len(), all.len(), "slugs are distinct");
        assert_eq!(from_slug("nonsense"), None);
        assert_eq!(from_code(200), None);
    }

    #[test]
    fn every_name_and_code_reads_back() {
        round_trips(
            TicketStatus::ALL,
            TicketStatus::slug,
            TicketStatus::from_slug,
            TicketStatus::code,
            TicketStatus::from_code,
        );
        round_trips(Movement::ALL, Movement::slug, Movement::from_slug, Movement::code, Movement::from_code);
        round_trips(Role::ALL, Role::slug, Role::from_slug, Role::code, Role::from_code);
        round_trips(Tone::ALL, Tone::slug, Tone::from_slug, Tone::code, Tone::from_code);
        // Published names.
        assert_eq!(TicketStatus::Refunded.slug(), "refunded");
        assert_eq!(Movement::Exit.slug(), "exit");
        assert_eq!(Role::Supervisor.slug(), "supervisor");
        assert_eq!(Tone::Amber.slug(), "amber");
    }
}
