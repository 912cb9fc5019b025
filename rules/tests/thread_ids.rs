//! `thread.tid` and `thread.vtid`: a thread's id on the host, and in its pid namespace. The
//! trace records a process's namespace pid, not each thread's, so `thread.vtid` of a thread
//! other than the leader is known only in the host's namespace, where the two ids are one.

mod common;

use std::sync::Arc;

use common::*;
use rtsec_format::{Block, ProcessInfo};

/// A close by thread `tid` of `proc`.
fn by_thread(proc: &Arc<ProcessInfo>, tid: i64) -> Block {
    closes_by(&[(tid, proc)])
}

#[test]
fn a_host_thread_has_one_id() {
    let p = P::new("java").build();
    let leader = by_thread(&p, p.pid);
    assert!(holds(&leader, &format!("thread.vtid = {}", p.pid)));
    let worker = by_thread(&p, p.pid + 7);
    assert!(holds(&worker, &format!("thread.tid = {}", p.pid + 7)));
    assert!(holds(&worker, &format!("thread.vtid = {}", p.pid + 7)));
}

#[test]
fn a_container_thread_has_its_namespace_id_only_as_leader() {
    let mut p = (*P::new("java").build()).clone();
    p.vpid = 1;
    let p = Arc::new(p);
    assert!(holds(&by_thread(&p, p.pid), "thread.vtid = 1"));
    let worker = by_thread(&p, p.pid + 7);
    assert!(!holds(&worker, "thread.vtid exists"));
    assert!(holds(&worker, &format!("thread.tid = {}", p.pid + 7)));
}

#[test]
fn the_leader_is_the_main_thread_and_each_thread_is_named_with_its_id() {
    let p = P::new("java").build();
    let leader = by_thread(&p, p.pid);
    let worker = by_thread(&p, p.pid + 7);
    assert!(holds(&leader, "thread.ismain = true"));
    assert!(holds(&worker, "thread.ismain = false"));
    assert!(holds(&leader, &format!("thread.nametid = java{}", p.pid)));
    assert!(holds(
        &worker,
        &format!("thread.nametid = java{}", p.pid + 7)
    ));
}
