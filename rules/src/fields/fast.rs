//! Checks on the fields conditions use most, compiled to one closure each: the field reader
//! and the test are monomorphized together, so evaluating such a check is a single indirect
//! call with no further dispatch (an interpreter's shared dispatch points mispredict).
//!
//! String fields that are a record's string (`proc.name`, `fd.name`, …) or a fixed part of one
//! (`fd.directory`, `fd.filename` of a file) are read as the string's id where the test is
//! costly: within a block the verdict for an id is computed once ([`Verdicts`]).

use rtsec_format::{EventView, StrId, record::fd_flags};

use super::container::{self, Ctr};
use super::fd;
use super::{Field, FieldArg, FieldId as F};
use crate::condition::Op;
use crate::condition::ast::Modifier;
use crate::filter::test::{NumTest, StrTest, Test, num_cmp};
use crate::filter::verdicts::Verdicts;
use crate::render::flags::{PPM_O_RDONLY, PPM_O_WRONLY};

/// A compiled check: true if the event satisfies it. The verdict cache is the evaluating
/// thread's (see [`Verdicts`]).
pub(crate) type CheckFn = Box<dyn Fn(&EventView<'_>, &mut Verdicts) -> bool + Send + Sync>;

trait StrGet: 'static {
    fn get<'e>(ev: &EventView<'e>) -> Option<&'e [u8]>;
}
trait NumGet: 'static {
    fn get(ev: &EventView<'_>) -> Option<i64>;
}
trait BoolGet: 'static {
    fn get(ev: &EventView<'_>) -> Option<bool>;
}

/// A string field's value as a string id of the block, when it is one.
enum Src<'e> {
    /// The value is `map(str(id))` (`None` from `map`: the value is missing).
    Id(StrId),
    /// The value itself (not a block string, or not in the form `map` expects).
    Bytes(&'e [u8]),
}

/// A string field read as a string id where possible.
trait SidGet: 'static {
    fn get<'e>(ev: &EventView<'e>) -> Option<Src<'e>>;
    /// The field's value for a string id's bytes (the same function for every id).
    #[inline(always)]
    fn map(s: &[u8]) -> Option<&[u8]> {
        Some(s)
    }
    /// The value, read directly.
    #[inline(always)]
    fn value<'e>(ev: &EventView<'e>) -> Option<&'e [u8]> {
        match Self::get(ev)? {
            Src::Id(id) => Self::map(ev.str(id)),
            Src::Bytes(b) => Some(b),
        }
    }
}

macro_rules! sid_getters {
    ($($name:ident => |$ev:ident| $body:expr $(, map |$s:ident| $map:expr)?;)*) => {
        $(
            struct $name;
            impl SidGet for $name {
                #[inline(always)]
                fn get<'e>($ev: &EventView<'e>) -> Option<Src<'e>> {
                    $body
                }
                $(
                    #[inline(always)]
                    fn map($s: &[u8]) -> Option<&[u8]> {
                        $map
                    }
                )?
            }
        )*
    };
}

/// `value` for an fd event whose fd the trace has no record of (see `fd::unknown`).
#[cold]
fn unknown_fd<'e>(ev: &EventView<'e>, value: &'static [u8]) -> Option<Src<'e>> {
    fd::unknown(ev).then_some(Src::Bytes(value))
}

sid_getters! {
    ProcName => |ev| Some(Src::Id(ev.process()?.comm));
    ProcPname => |ev| Some(Src::Id(ev.block.parent(ev.process()?)?.comm));
    ProcExe => |ev| Some(Src::Id(ev.process()?.exe));
    ProcPexe => |ev| Some(Src::Id(ev.block.parent(ev.process()?)?.exe));
    ProcExepath => |ev| Some(Src::Id(ev.process()?.exepath));
    ProcPexepath => |ev| Some(Src::Id(ev.block.parent(ev.process()?)?.exepath));
    FdName => |ev| Some(match fd::view(ev) {
        Some(fd::FdView::Rec(r)) => Src::Id(r.name),
        Some(fd::FdView::Derived { name, .. }) => Src::Bytes(name),
        None => unknown_fd(ev, b"")?,
    });
    FdNameraw => |ev| Some(match fd::view(ev) {
        Some(fd::FdView::Rec(r)) => Src::Id(r.nameraw),
        Some(fd::FdView::Derived { nameraw, .. }) => Src::Bytes(nameraw),
        None => unknown_fd(ev, b"")?,
    });
    // A file's directory is its name's dirname; a directory's is its name (read directly).
    FdDirectory => |ev| {
        let Some(v) = fd::view(ev) else {
            return unknown_fd(ev, b"/");
        };
        match v {
            fd::FdView::Rec(r) if v.is_file() => Some(Src::Id(r.name)),
            _ if v.is_dir() => Some(Src::Bytes(v.name(ev))),
            _ if v.is_file() => fd::dirname(v.name(ev)).map(Src::Bytes),
            _ => None,
        }
    }, map |s| fd::dirname(s);
    FdFilename => |ev| {
        let v = fd::view(ev)?;
        if !v.is_file() || v.failed_open() {
            return None;
        }
        match v {
            fd::FdView::Rec(r) => Some(Src::Id(r.name)),
            _ => Some(Src::Bytes(fd::basename(v.name(ev)))),
        }
    }, map |s| Some(fd::basename(s));
    ContainerId => |ev| match container::of(ev)? {
        Ctr::Host => Some(Src::Bytes(b"host")),
        Ctr::Known(c) => Some(Src::Id(c.container_id)),
    };
    ContainerImageRepository => |ev| match container::of(ev)? {
        Ctr::Host => Some(Src::Bytes(b"")),
        Ctr::Known(c) => c.image_repository.map(Src::Id),
    };
    UserName => |ev| {
        let p = ev.process()?;
        Some(match p.user.and_then(|r| ev.block.user(r)) {
            Some(u) if !ev.str(u.name).is_empty() => Src::Id(u.name),
            _ if p.euid == 0 => Src::Bytes(b"root"),
            _ => Src::Bytes(b"<NA>"),
        })
    };
}

macro_rules! getters {
    ($tr:ident, $out:ty; $($name:ident => |$ev:ident| $body:expr;)*) => {
        $(
            struct $name;
            impl $tr for $name {
                #[inline(always)]
                fn get<'e>($ev: &EventView<'e>) -> Option<$out> {
                    $body
                }
            }
        )*
    };
}

getters! { StrGet, &'e [u8];
    FdTypechar => |ev| Some(fd::typechar_str(fd::typechar_of(ev)?));
    FdType => |ev| Some(fd::type_name(fd::view(ev)?.rec()?.ty).as_bytes());
    EvtType => |ev| Some(crate::evttype::type_name(ev).as_bytes());
}

getters! { NumGet, i64;
    FdNum => |ev| fd::num(ev);
    UserUid => |ev| Some(ev.process()?.euid as i64);
    ProcTty => |ev| Some(ev.process()?.tty as i64);
    EvtRawres => |ev| super::return_value::has_return_value(ev).then_some(ev.event.res);
    FdSport => |ev| Some(fd::view(ev)?.rec()?.server?.port() as i64);
    ProcDuration => |ev| {
        let p = ev.process()?;
        (p.start_ts != 0).then(|| ev.event.ts.saturating_sub(p.start_ts) as i64)
    };
}

/// PPM open flags of an open-family event (0 for other events), as `evt.is_open_*` read them.
#[inline(always)]
fn open_flags(ev: &EventView<'_>) -> u64 {
    use rtsec_format::{Args, Kind};
    match (ev.kind(), ev.args()) {
        (
            Kind::Open | Kind::Openat | Kind::Openat2 | Kind::OpenByHandleAt,
            Args::Open { flags, .. },
        ) => crate::render::flags::open_flags(*flags),
        _ => 0,
    }
}

getters! { BoolGet, bool;
    EvtIsOpenRead => |ev| Some(open_flags(ev) & PPM_O_RDONLY != 0);
    EvtIsOpenWrite => |ev| Some(open_flags(ev) & PPM_O_WRONLY != 0);
    ProcIsExeUpperLayer => |ev| Some(ev.process()?.exe_flags & 2 != 0);
    ProcIsExeFromMemfd => |ev| Some(ev.process()?.exe_flags & 4 != 0);
    FdConnected => |ev| Some(fd::view(ev)?.rec()?.flags & fd_flags::CONNECTED != 0);
    FdNameChanged => |ev| {
        fd::view(ev)?.rec()?;
        Some(ev.event.flags & rtsec_format::wire::event_flags::FD_NAME_CHANGED != 0)
    };
    ContainerPrivileged => |ev| match container::of(ev)? {
        Ctr::Host => Some(false),
        Ctr::Known(c) => c.privileged,
    };
}

/// The compiled form of a check on `field` with `test`, when there is one. It returns exactly
/// what the general evaluation returns (a missing value makes it false).
/// The compiled form of a check on `field` with `test`, when there is one. It returns exactly
/// what the general evaluation returns (a missing value makes it false). `col` is the check's
/// verdict column (see [`wants_column`]).
pub(crate) fn compile(field: &Field, test: &Test, col: Option<u32>) -> Option<CheckFn> {
    if !matches!(field.arg, FieldArg::None) {
        return None;
    }
    match field.id {
        F::ProcName => sid_check::<ProcName>(test, col),
        F::ProcPname => sid_check::<ProcPname>(test, col),
        F::ProcExe => sid_check::<ProcExe>(test, col),
        F::ProcPexe => sid_check::<ProcPexe>(test, col),
        F::ProcExepath => sid_check::<ProcExepath>(test, col),
        F::ProcPexepath => sid_check::<ProcPexepath>(test, col),
        F::FdName => sid_check::<FdName>(test, col),
        F::FdNameraw => sid_check::<FdNameraw>(test, col),
        F::FdDirectory => sid_check::<FdDirectory>(test, col),
        F::FdFilename => sid_check::<FdFilename>(test, col),
        F::ContainerId => sid_check::<ContainerId>(test, col),
        F::ContainerImageRepository => sid_check::<ContainerImageRepository>(test, col),
        F::UserName => sid_check::<UserName>(test, col),
        F::FdTypechar => str_check::<FdTypechar>(test),
        F::FdType => str_check::<FdType>(test),
        F::EvtType => str_check::<EvtType>(test),
        F::FdNum => num_check::<FdNum>(test),
        F::UserUid => num_check::<UserUid>(test),
        F::ProcTty => num_check::<ProcTty>(test),
        F::EvtRawres => num_check::<EvtRawres>(test),
        F::FdSport => num_check::<FdSport>(test),
        F::ProcDuration => num_check::<ProcDuration>(test),
        F::EvtIsOpenRead => bool_check::<EvtIsOpenRead>(test),
        F::EvtIsOpenWrite => bool_check::<EvtIsOpenWrite>(test),
        F::ProcIsExeUpperLayer => bool_check::<ProcIsExeUpperLayer>(test),
        F::ProcIsExeFromMemfd => bool_check::<ProcIsExeFromMemfd>(test),
        F::FdConnected => bool_check::<FdConnected>(test),
        F::FdNameChanged => bool_check::<FdNameChanged>(test),
        F::ContainerPrivileged => bool_check::<ContainerPrivileged>(test),
        _ => None,
    }
}

/// True if a compiled check on `field` with `test` should remember its verdicts per string id:
/// the field is read as a string id and the test costs more than a lookup (not `=`/`!=`, which
/// usually stop at the length).
pub(crate) fn wants_column(field: &Field, test: &Test) -> bool {
    let by_id = matches!(
        field.id,
        F::ProcName
            | F::ProcPname
            | F::ProcExe
            | F::ProcPexe
            | F::ProcExepath
            | F::ProcPexepath
            | F::FdName
            | F::FdNameraw
            | F::FdDirectory
            | F::FdFilename
            | F::ContainerId
            | F::ContainerImageRepository
            | F::UserName
    );
    by_id && matches!(field.arg, FieldArg::None) && costly_str_test(test)
}

/// A string test worth remembering per string (see [`wants_column`]).
pub(crate) fn costly_str_test(test: &Test) -> bool {
    match test {
        Test::Str(StrTest::Eq(_) | StrTest::Ne(_)) => false,
        Test::Str(_) | Test::Mod(..) => true,
        _ => false,
    }
}

/// A check on a field read as a string id: with a column, the verdict of an id is computed
/// once per block.
fn sid_check<G: SidGet>(test: &Test, col: Option<u32>) -> Option<CheckFn> {
    Some(match test.clone() {
        Test::Exists => Box::new(|ev, _| G::value(ev).is_some()),
        Test::Mod(m, tests) => sid_fn::<G, _>(col, move |v| match m {
            Modifier::AnyOf => tests.iter().any(|t| t.eval(v)),
            Modifier::AllOf => tests.iter().all(|t| t.eval(v)),
            Modifier::OneOf => tests.iter().filter(|t| t.eval(v)).count() == 1,
        }),
        Test::Str(t) => match t {
            StrTest::Eq(x) => sid_fn::<G, _>(col, move |v| v == &*x),
            StrTest::Ne(x) => sid_fn::<G, _>(col, move |v| v != &*x),
            StrTest::StartsWith(x) => sid_fn::<G, _>(col, move |v| v.starts_with(&x)),
            StrTest::EndsWith(x) => sid_fn::<G, _>(col, move |v| v.ends_with(&x)),
            StrTest::In(set) => sid_fn::<G, _>(col, move |v| set.contains(v)),
            t => sid_fn::<G, _>(col, move |v| t.eval(v)),
        },
        _ => return None,
    })
}

fn sid_fn<G: SidGet, T>(col: Option<u32>, test: T) -> CheckFn
where
    T: Fn(&[u8]) -> bool + Send + Sync + 'static,
{
    let Some(col) = col else {
        return Box::new(move |ev, _| G::value(ev).is_some_and(&test));
    };
    Box::new(move |ev, verdicts| match G::get(ev) {
        None => false,
        Some(Src::Bytes(v)) => test(v),
        Some(Src::Id(id)) => verdicts.get(col, id, || G::map(ev.str(id)).is_some_and(&test)),
    })
}

fn str_check<G: StrGet>(test: &Test) -> Option<CheckFn> {
    Some(match test.clone() {
        Test::Exists => Box::new(|ev, _| G::get(ev).is_some()),
        Test::Mod(m, tests) => Box::new(move |ev, _| {
            G::get(ev).is_some_and(|v| match m {
                Modifier::AnyOf => tests.iter().any(|t| t.eval(v)),
                Modifier::AllOf => tests.iter().all(|t| t.eval(v)),
                Modifier::OneOf => tests.iter().filter(|t| t.eval(v)).count() == 1,
            })
        }),
        Test::Str(t) => match t {
            StrTest::Eq(x) => Box::new(move |ev, _| G::get(ev).is_some_and(|v| v == &*x)),
            StrTest::Ne(x) => Box::new(move |ev, _| G::get(ev).is_some_and(|v| v != &*x)),
            StrTest::StartsWith(x) => {
                Box::new(move |ev, _| G::get(ev).is_some_and(|v| v.starts_with(&x)))
            }
            StrTest::EndsWith(x) => {
                Box::new(move |ev, _| G::get(ev).is_some_and(|v| v.ends_with(&x)))
            }
            StrTest::In(set) => Box::new(move |ev, _| G::get(ev).is_some_and(|v| set.contains(v))),
            t => Box::new(move |ev, _| G::get(ev).is_some_and(|v| t.eval(v))),
        },
        _ => return None,
    })
}

fn num_check<G: NumGet>(test: &Test) -> Option<CheckFn> {
    Some(match test.clone() {
        Test::Exists => Box::new(|ev, _| G::get(ev).is_some()),
        Test::Num(NumTest::Cmp(op, r)) => match op {
            Op::Eq => Box::new(move |ev, _| G::get(ev).is_some_and(|x| x as i128 == r)),
            Op::Ne => Box::new(move |ev, _| G::get(ev).is_some_and(|x| x as i128 != r)),
            Op::Ge => Box::new(move |ev, _| G::get(ev).is_some_and(|x| x as i128 >= r)),
            op => Box::new(move |ev, _| G::get(ev).is_some_and(|x| num_cmp(op, x as i128, r))),
        },
        Test::Num(NumTest::In(set)) => {
            Box::new(move |ev, _| G::get(ev).is_some_and(|x| set.contains(&(x as i128))))
        }
        _ => return None,
    })
}

fn bool_check<G: BoolGet>(test: &Test) -> Option<CheckFn> {
    Some(match test.clone() {
        Test::Exists => Box::new(|ev, _| G::get(ev).is_some()),
        Test::Bool { want, ne } => {
            Box::new(move |ev, _| G::get(ev).is_some_and(|b| want.contains(&b) != ne))
        }
        _ => return None,
    })
}
