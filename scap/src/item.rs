//! What the reader yields: metadata records from the head of each section, then events.

use crate::meta::{FdEntry, Group, Interface, MachineInfo, SectionHeader, ThreadEntry, User};

/// One record of a capture, in file order. `E` is [`Event`](crate::Event) for the zero-copy
/// reader and [`OwnedEvent`](crate::OwnedEvent) for the owning iterator.
#[derive(Clone, Debug)]
pub enum Item<E> {
    /// Start of a section (a capture; concatenated files have several). The tables that follow
    /// replace the previous section's.
    Section(SectionHeader),
    Machine(MachineInfo),
    Interface(Interface),
    User(User),
    Group(Group),
    /// A thread alive when the capture started.
    Thread(Box<ThreadEntry>),
    /// An fd open when the capture started.
    Fd(FdEntry),
    Event(E),
}

impl<E> Item<E> {
    /// Converts the event, keeping every other record as it is.
    pub fn map_event<F>(self, f: impl FnOnce(E) -> F) -> Item<F> {
        match self {
            Item::Section(x) => Item::Section(x),
            Item::Machine(x) => Item::Machine(x),
            Item::Interface(x) => Item::Interface(x),
            Item::User(x) => Item::User(x),
            Item::Group(x) => Item::Group(x),
            Item::Thread(x) => Item::Thread(x),
            Item::Fd(x) => Item::Fd(x),
            Item::Event(e) => Item::Event(f(e)),
        }
    }

    pub fn as_event(&self) -> Option<&E> {
        match self {
            Item::Event(e) => Some(e),
            _ => None,
        }
    }
}
