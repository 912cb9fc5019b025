//! `user.*` without a user record: libsinsp's stand-in user (`sinsp_threadinfo::get_user`).

mod common;

use common::*;
use rtsec_rules::RuleMatching;

/// Without a user record, libsinsp's stand-in user (`sinsp_threadinfo::get_user`) has home
/// `/root` for uid 0 and `<NA>` otherwise; its shell is `<NA>` either way.
#[test]
fn the_stand_in_user_of_uid_0_lives_in_root() {
    const USER: &str = r#"
- rule: user
  desc: d
  condition: evt.type = execve
  output: "%user.name %user.homedir %user.shell |"
  priority: NOTICE
"#;
    let e = engine_of(USER, RuleMatching::First);
    let shown = |uid: u32| {
        let p = P::new("app").uid(uid, None).build();
        let (alert, _) = checked_alert(&e, &exec(&p));
        alert.output.split(" |").next().unwrap().to_string()
    };
    assert_eq!(shown(0), "root /root <NA>");
    assert_eq!(shown(1000), "<NA> <NA> <NA>");
}
