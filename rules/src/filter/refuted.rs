//! Rules refuted by one string of the event, remembered per string of a block.
//!
//! A rule's program is a decision diagram: which checks it runs depends only on the results of
//! the checks it ran before. If a rule came out false having run only checks that read one
//! string of the event — the name of the file it opened, the name of its program — then every
//! event of the same type with that same string comes out false the same way. Within a block
//! strings are stored once, so the engine remembers, per event type and string id, which rules
//! were refuted like that and skips them for the following events: most events of a busy
//! host open the same files and run the same programs, and most rules are about other files
//! and other programs.
//!
//! Which string ("dimension") an event type is keyed by is chosen when the engine is built:
//! the one that the entry checks of most of its rules read. Valid for one block only, like
//! [`super::verdicts`].

use rtsec_format::{EventView, FdType, StrId};

use super::{Check, Mode};
use crate::fields::FieldId as F;

/// A string of the event that many rules' first checks read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dim {
    /// The name of the regular file the event opened or used (an fd record of a file that was
    /// opened, with its raw name the same as its name): `fd.name`, `fd.nameraw`,
    /// `fd.directory` and `fd.filename` are all functions of it.
    FdFile,
    /// The name of the event's program: `proc.name`.
    ProcName,
}

impl Dim {
    pub const ALL: [Dim; 2] = [Dim::FdFile, Dim::ProcName];

    /// The bit of the dimension in a check's set of dimensions.
    pub fn bit(self) -> u8 {
        1 << self as u8
    }

    /// The event's string in this dimension, if the event has one.
    #[inline(always)]
    pub fn sid(self, ev: &EventView<'_>) -> Option<StrId> {
        match self {
            Dim::FdFile => {
                // Events without fd fields have no `fd.*` values, whatever record they carry.
                if !crate::fields::fd::kind_has_fd(ev.kind())
                    && ev.kind() != rtsec_format::Kind::Generic
                {
                    return None;
                }
                let f = ev.fd()?;
                (f.ty == FdType::File && f.num >= 0 && f.nameraw == f.name).then_some(f.name)
            }
            Dim::ProcName => Some(ev.process()?.comm),
        }
    }

    /// True if the check's result, for events in this dimension, depends on nothing but the
    /// dimension's string. Only compiled checks of the fields above qualify: their reading of
    /// the field is known exactly (`fields::fast`).
    pub fn covers(self, c: &Check) -> bool {
        if !c.fast || c.cold.mode != Mode::Plain || !c.cold.transforms.is_empty() {
            return false;
        }
        let f = c.cold.field.id;
        match self {
            Dim::FdFile => matches!(f, F::FdName | F::FdNameraw | F::FdDirectory | F::FdFilename),
            Dim::ProcName => f == F::ProcName,
        }
    }
}

/// The most rules per event type that can be skipped (the rest are always evaluated).
pub(crate) const MAX_RULES: usize = 64;

/// Per event type that has a dimension (its slot), per string id of the current block: the
/// rules (bit = position in the type's rule list) proven false for that string.
#[derive(Default, Debug)]
pub(crate) struct Refuted {
    epoch: u32,
    strings: usize,
    slots: Vec<Slot>,
}

#[derive(Default, Debug)]
struct Slot {
    epoch: u32,
    masks: Vec<u64>,
}

impl Refuted {
    /// Forgets everything: a new block with `strings` strings, `slots` event types.
    pub(crate) fn begin_block(&mut self, strings: usize, slots: usize) {
        if self.slots.len() < slots {
            self.slots.resize_with(slots, Slot::default);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            for s in &mut self.slots {
                s.epoch = 0;
            }
            self.epoch = 1;
        }
        self.strings = strings;
    }

    /// The rules known to be false for string `id` in event-type slot `slot`.
    #[inline(always)]
    pub(crate) fn get(&mut self, slot: u32, id: StrId) -> u64 {
        let Some(s) = self.slots.get_mut(slot as usize) else {
            return 0;
        };
        if s.epoch != self.epoch {
            s.masks.clear();
            s.masks.resize(self.strings, 0);
            s.epoch = self.epoch;
        }
        s.masks.get(id.0 as usize).copied().unwrap_or(0)
    }

    /// Adds rules proven false for string `id` (call [`Refuted::get`] for the slot first).
    #[inline]
    pub(crate) fn add(&mut self, slot: u32, id: StrId, rules: u64) {
        if let Some(m) = self
            .slots
            .get_mut(slot as usize)
            .and_then(|s| s.masks.get_mut(id.0 as usize))
        {
            *m |= rules;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_per_block_slot_and_string() {
        let mut r = Refuted::default();
        r.begin_block(10, 2);
        assert_eq!(r.get(0, StrId(3)), 0);
        r.add(0, StrId(3), 0b101);
        r.add(0, StrId(3), 0b010);
        assert_eq!(r.get(0, StrId(3)), 0b111);
        assert_eq!(r.get(1, StrId(3)), 0, "slots are separate");
        assert_eq!(r.get(0, StrId(4)), 0);
        assert_eq!(r.get(0, StrId(10)), 0, "ids past the table: nothing known");
        r.add(0, StrId(10), 1);
        assert_eq!(r.get(5, StrId(1)), 0, "unknown slot");
        r.begin_block(10, 2);
        assert_eq!(r.get(0, StrId(3)), 0, "a new block forgets");
    }
}
