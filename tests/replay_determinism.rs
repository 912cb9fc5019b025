//! The same inputs judged with -j 1, 2 and 8 give byte-identical text, JSON and Parquet
//! outputs (and the same summary counts): work is split by block, output order is input order
//! then event order.

mod replay_support;

use replay_support::*;

/// Text, JSON and Parquet outputs and the summary's counts of one run.
type Outputs = (Vec<u8>, Vec<u8>, Vec<u8>, String);

#[test]
fn one_two_and_eight_threads_give_identical_outputs() {
    let dir = tempdir();
    // Two multi-block synthetic traces around the recorded scenarios, so that blocks of
    // different traces are in flight at once and finish out of order.
    let synth_a = dir.path().join("a.rts");
    let synth_b = dir.path().join("b.rts");
    synthetic_trace(&synth_a, 30_000, 7, Default::default());
    synthetic_trace(&synth_b, 20_000, 8, Default::default());
    let mut inputs: Vec<String> = vec![synth_a.display().to_string()];
    inputs.extend(scenarios().iter().map(|p| p.display().to_string()));
    inputs.push(synth_b.display().to_string());
    let falco = falco_rules().display().to_string();
    let bundled = "<bundled>".to_string();

    let mut firsts: Option<Outputs> = None;
    for j in ["1", "2", "8"] {
        let run = |format: &str, parquet: Option<&std::path::Path>| {
            let mut args: Vec<String> = vec![
                "replay".into(),
                "-j".into(),
                j.into(),
                "--rule-matching".into(),
                "all".into(),
                "--rules".into(),
                bundled.clone(),
                "--rules".into(),
                falco.clone(),
                "--format".into(),
                format.into(),
            ];
            if let Some(p) = parquet {
                args.push("--parquet".into());
                args.push(p.display().to_string());
            }
            args.extend(inputs.iter().cloned());
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let o = rtsec(&a);
            assert_eq!(code(&o), 0, "-j {j}: {}", stderr(&o));
            o
        };
        let text = run("text", None);
        let pq = dir.path().join(format!("hits-{j}.parquet"));
        let json = run("json", Some(&pq));
        let parquet = std::fs::read(&pq).unwrap();
        // The summary's counts (not its timing) are the same too.
        let summary: String = stderr(&json)
            .lines()
            .filter(|l| !l.starts_with("Summary:"))
            .map(|l| l.split(" → ").next().unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let got = (text.stdout, json.stdout, parquet, summary);
        match &firsts {
            None => {
                let lines = got.0.iter().filter(|&&b| b == b'\n').count();
                assert!(
                    lines > 1000,
                    "the inputs must give plenty of hits to reorder ({lines})"
                );
                assert_eq!(
                    lines,
                    got.1.iter().filter(|&&b| b == b'\n').count(),
                    "one JSON line per text line"
                );
                firsts = Some(got);
            }
            Some(f) => {
                assert!(f.0 == got.0, "-j {j}: text output differs from -j 1");
                assert!(f.1 == got.1, "-j {j}: JSON output differs from -j 1");
                assert!(f.2 == got.2, "-j {j}: Parquet output differs from -j 1");
                assert_eq!(f.3, got.3, "-j {j}: summary differs from -j 1");
            }
        }
    }
    // Input order, then event order: the first lines come from a.rts, the last from b.rts.
    let (text, json, ..) = firsts.unwrap();
    let json = String::from_utf8(json).unwrap();
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    let last: serde_json::Value = serde_json::from_str(json.lines().last().unwrap()).unwrap();
    assert_eq!(first["hostname"], "synth-host");
    assert_eq!(last["hostname"], "synth-host");
    let mut runs: Vec<bool> = json
        .lines()
        .map(|l| l.contains("\"hostname\":\"synth-host\""))
        .collect();
    runs.dedup();
    assert_eq!(
        runs,
        [true, false, true],
        "hits of a.rts, then of the scenarios, then of b.rts"
    );
    let times: Vec<u64> = json
        .lines()
        .take_while(|l| l.contains("synth-host"))
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["output_fields"]["evt.time"].as_u64().unwrap()
        })
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "hits of the first trace come in event order"
    );
    assert!(!text.is_empty());
}
