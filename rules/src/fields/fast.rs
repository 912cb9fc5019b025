//! Checks on the fields conditions use most, compiled to one closure each: the field reader
//! and the test are monomorphized together, so evaluating such a check is a single indirect
//! call with no further dispatch (an interpreter's shared dispatch points mispredict).

use rtsec_format::{EventView, record::fd_flags};

use super::container::{self, Ctr};
use super::fd;
use super::{Field, FieldArg, FieldId as F};
use crate::condition::Op;
use crate::condition::ast::Modifier;
use crate::filter::test::{NumTest, StrTest, Test, num_cmp};
use crate::render::flags::{PPM_O_RDONLY, PPM_O_WRONLY};

/// A compiled check: true if the event satisfies it.
pub(crate) type CheckFn = Box<dyn Fn(&EventView<'_>) -> bool + Send + Sync>;

trait StrGet: 'static {
    fn get<'e>(ev: &EventView<'e>) -> Option<&'e [u8]>;
}
trait NumGet: 'static {
    fn get(ev: &EventView<'_>) -> Option<i64>;
}
trait BoolGet: 'static {
    fn get(ev: &EventView<'_>) -> Option<bool>;
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
    ProcName => |ev| Some(ev.str(ev.process()?.comm));
    ProcPname => |ev| Some(ev.str(ev.block.parent(ev.process()?)?.comm));
    ProcExe => |ev| Some(ev.str(ev.process()?.exe));
    ProcPexe => |ev| Some(ev.str(ev.block.parent(ev.process()?)?.exe));
    ProcExepath => |ev| Some(ev.str(ev.process()?.exepath));
    ProcPexepath => |ev| Some(ev.str(ev.block.parent(ev.process()?)?.exepath));
    FdName => |ev| Some(fd::view(ev)?.name(ev));
    FdNameraw => |ev| Some(fd::view(ev)?.nameraw(ev));
    FdTypechar => |ev| Some(fd::typechar_str(fd::typechar_of(ev)?));
    FdType => |ev| Some(fd::type_name(fd::view(ev)?.rec()?.ty).as_bytes());
    FdDirectory => |ev| {
        let v = fd::view(ev)?;
        let name = v.name(ev);
        if v.is_dir() {
            Some(name)
        } else if v.is_file() {
            fd::dirname(name)
        } else {
            None
        }
    };
    FdFilename => |ev| {
        let v = fd::view(ev)?;
        if v.is_file() && !v.failed_open() { Some(fd::basename(v.name(ev))) } else { None }
    };
    EvtType => |ev| Some(crate::evttype::type_name(ev).as_bytes());
    ContainerId => |ev| match container::of(ev)? {
        Ctr::Host => Some(b"host"),
        Ctr::Known(c) => Some(ev.str(c.container_id)),
    };
    ContainerImageRepository => |ev| match container::of(ev)? {
        Ctr::Host => Some(b""),
        Ctr::Known(c) => c.image_repository.map(|id| ev.str(id)),
    };
    UserName => |ev| {
        let p = ev.process()?;
        Some(match p.user.and_then(|r| ev.block.user(r)) {
            Some(u) if !ev.str(u.name).is_empty() => ev.str(u.name),
            _ if p.euid == 0 => b"root",
            _ => b"<NA>",
        })
    };
}

getters! { NumGet, i64;
    FdNum => |ev| fd::num(ev);
    UserUid => |ev| Some(ev.process()?.euid as i64);
    ProcTty => |ev| Some(ev.process()?.tty as i64);
    EvtRawres => |ev| (ev.kind() != rtsec_format::Kind::ProcExit).then_some(ev.event.res);
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
    FdNameChanged => |ev| Some(fd::view(ev)?.rec()?.flags & fd_flags::NAME_CHANGED != 0);
    ContainerPrivileged => |ev| match container::of(ev)? {
        Ctr::Host => Some(false),
        Ctr::Known(c) => c.privileged,
    };
}

/// The compiled form of a check on `field` with `test`, when there is one. It returns exactly
/// what the general evaluation returns (a missing value makes it false).
pub(crate) fn compile(field: &Field, test: &Test) -> Option<CheckFn> {
    if !matches!(field.arg, FieldArg::None) {
        return None;
    }
    match field.id {
        F::ProcName => str_check::<ProcName>(test),
        F::ProcPname => str_check::<ProcPname>(test),
        F::ProcExe => str_check::<ProcExe>(test),
        F::ProcPexe => str_check::<ProcPexe>(test),
        F::ProcExepath => str_check::<ProcExepath>(test),
        F::ProcPexepath => str_check::<ProcPexepath>(test),
        F::FdName => str_check::<FdName>(test),
        F::FdNameraw => str_check::<FdNameraw>(test),
        F::FdTypechar => str_check::<FdTypechar>(test),
        F::FdType => str_check::<FdType>(test),
        F::FdDirectory => str_check::<FdDirectory>(test),
        F::FdFilename => str_check::<FdFilename>(test),
        F::EvtType => str_check::<EvtType>(test),
        F::ContainerId => str_check::<ContainerId>(test),
        F::ContainerImageRepository => str_check::<ContainerImageRepository>(test),
        F::UserName => str_check::<UserName>(test),
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

fn str_check<G: StrGet>(test: &Test) -> Option<CheckFn> {
    Some(match test.clone() {
        Test::Exists => Box::new(|ev| G::get(ev).is_some()),
        Test::Mod(m, tests) => Box::new(move |ev| {
            G::get(ev).is_some_and(|v| match m {
                Modifier::AnyOf => tests.iter().any(|t| t.eval(v)),
                Modifier::AllOf => tests.iter().all(|t| t.eval(v)),
                Modifier::OneOf => tests.iter().filter(|t| t.eval(v)).count() == 1,
            })
        }),
        Test::Str(t) => match t {
            StrTest::Eq(x) => Box::new(move |ev| G::get(ev).is_some_and(|v| v == &*x)),
            StrTest::Ne(x) => Box::new(move |ev| G::get(ev).is_some_and(|v| v != &*x)),
            StrTest::StartsWith(x) => {
                Box::new(move |ev| G::get(ev).is_some_and(|v| v.starts_with(&x)))
            }
            StrTest::EndsWith(x) => Box::new(move |ev| G::get(ev).is_some_and(|v| v.ends_with(&x))),
            StrTest::In(set) => Box::new(move |ev| G::get(ev).is_some_and(|v| set.contains(v))),
            t => Box::new(move |ev| G::get(ev).is_some_and(|v| t.eval(v))),
        },
        _ => return None,
    })
}

fn num_check<G: NumGet>(test: &Test) -> Option<CheckFn> {
    Some(match test.clone() {
        Test::Exists => Box::new(|ev| G::get(ev).is_some()),
        Test::Num(NumTest::Cmp(op, r)) => match op {
            Op::Eq => Box::new(move |ev| G::get(ev).is_some_and(|x| x as i128 == r)),
            Op::Ne => Box::new(move |ev| G::get(ev).is_some_and(|x| x as i128 != r)),
            Op::Ge => Box::new(move |ev| G::get(ev).is_some_and(|x| x as i128 >= r)),
            op => Box::new(move |ev| G::get(ev).is_some_and(|x| num_cmp(op, x as i128, r))),
        },
        Test::Num(NumTest::In(set)) => {
            Box::new(move |ev| G::get(ev).is_some_and(|x| set.contains(&(x as i128))))
        }
        _ => return None,
    })
}

fn bool_check<G: BoolGet>(test: &Test) -> Option<CheckFn> {
    Some(match test.clone() {
        Test::Exists => Box::new(|ev| G::get(ev).is_some()),
        Test::Bool { want, ne } => {
            Box::new(move |ev| G::get(ev).is_some_and(|b| want.contains(&b) != ne))
        }
        _ => return None,
    })
}
