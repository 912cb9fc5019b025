mod common;
use common::*;
use rtsec_rules::RuleMatching;

#[test]
fn terminal_shell_in_container_fires() {
    let c = container("docker.io/library/nginx", false);
    let parent = P::new("runc").in_container(&c).build();
    let sh = P::new("bash")
        .in_container(&c)
        .parent(&parent)
        .tty(34816)
        .build();
    let set = stable();
    let e = engine(&set, RuleMatching::All);
    let b = exec(&sh);
    assert_eq!(fired(&e, &b), ["Terminal shell in container"]);
    let mut sc = e.scratch();
    sc.set_hostname("node-1");
    let ev = b.event(0).unwrap();
    let id = e.matches(&ev, &mut sc)[0];
    let a = e.alert(id, &ev, &mut sc);
    println!("{}", a.text_line());
    println!("{}", a.json_line());
}
