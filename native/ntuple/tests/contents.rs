//! Listing and summarising the tutorial ntuples in shared/fixtures, as the studio's ROOT browser does.

use std::path::PathBuf;

use histune_ntuple::{list_contents, summarize, NtupleError, SampleSpec, WeightedEvents};

fn fixture(name: &str) -> String {
    let manifest = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).unwrap();
    let path: PathBuf = manifest.join("../../../shared/fixtures/ntuples").join(name);
    path.to_str().unwrap().to_string()
}

fn example(name: &str) -> String {
    let manifest = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).unwrap();
    manifest
        .join("../../resources/examples/ntuples")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn spec(tree: &str, observable: &str, weight: &str, selection: Option<&str>) -> SampleSpec {
    SampleSpec {
        file: fixture("prediction.root"),
        tree: tree.into(),
        observable: observable.into(),
        weight: weight.into(),
        selection: selection.map(String::from),
    }
}

#[test]
fn lists_the_trees_entries_and_branch_types() {
    for path in [fixture("prediction.root"), example("prediction.root")] {
        let contents = list_contents(&path).unwrap();
        assert_eq!(contents.path, path);
        let names: Vec<&str> = contents.keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["signal", "background", "background_varied"]);
        let background = contents.keys[1].tree.as_ref().unwrap();
        assert_eq!(background.entries, 5000);
        let branches: Vec<(&str, &str, bool)> = background
            .branches
            .iter()
            .map(|b| (b.name.as_str(), b.type_name.as_str(), b.readable))
            .collect();
        assert_eq!(
            branches,
            [
                ("jet_pt", "double", true),
                ("weight", "double", true),
                ("lep_charge", "int64_t", true),
                ("weight_up", "double", true),
                ("weight_down", "double", true)
            ]
        );
        assert!(contents
            .keys
            .iter()
            .all(|k| k.class_name == "TTree" && k.note.is_none()));
    }
    let data = list_contents(&fixture("data.root")).unwrap();
    assert_eq!(data.keys.len(), 1);
    assert_eq!(data.keys[0].name, "pseudodata");
    assert_eq!(data.keys[0].tree.as_ref().unwrap().entries, 1150);
}

#[test]
fn keys_that_are_not_trees_say_why() {
    let contents = list_contents(&fixture("histograms.root")).unwrap();
    assert_eq!(contents.keys.len(), 1, "{contents:?}");
    let sr = &contents.keys[0];
    assert_eq!(sr.name, "SR");
    assert!(sr.class_name.starts_with("TDirectory"), "{sr:?}");
    assert!(sr.tree.is_none());
    assert!(sr.note.as_deref().unwrap().contains("directory"), "{sr:?}");
}

#[test]
fn a_file_that_is_not_root_names_the_path() {
    let path = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .join("Cargo.toml");
    let path = path.to_str().unwrap();
    let err = list_contents(path).unwrap_err();
    assert_eq!(err.code(), "E_IO");
    assert!(err.to_string().contains(path), "{err}");
    assert!(err.to_string().contains("not a ROOT file"), "{err}");
    let err = list_contents("/nonexistent/file.root").unwrap_err();
    assert!(err.to_string().contains("/nonexistent/file.root"), "{err}");
}

#[test]
fn a_truncated_file_is_an_error_not_a_crash() {
    let bytes = std::fs::read(fixture("prediction.root")).unwrap();
    let path = std::env::temp_dir().join(format!("histune-truncated-{}.root", std::process::id()));
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    let path_text = path.to_str().unwrap().to_string();
    let listed = list_contents(&path_text);
    let summary = summarize(
        &SampleSpec {
            file: path_text.clone(),
            ..spec("background", "jet_pt", "1", None)
        },
        10,
        None,
    );
    std::fs::remove_file(&path).unwrap();
    // The keys list sits at the end of a ROOT file: cutting it off loses the listing.
    let err = listed.unwrap_err();
    assert!(err.to_string().contains(&path_text), "{err}");
    assert!(summary.is_err());
}

#[test]
fn summary_matches_the_events_it_bins() {
    let s = summarize(
        &spec("background", "jet_pt", "weight", Some("lep_charge > 0")),
        20,
        None,
    )
    .unwrap();
    assert_eq!(s.entries, 5000);
    let events = WeightedEvents::load(&spec(
        "background",
        "jet_pt",
        "weight",
        Some("lep_charge > 0"),
    ))
    .unwrap();
    assert_eq!(s.selected, events.len());
    assert_eq!(s.non_finite, 0);
    let (lo, hi) = events.range().unwrap();
    assert_eq!((s.min, s.max), (Some(lo), Some(hi)));
    assert_eq!(s.histogram.edges.len(), 21);
    assert_eq!((s.histogram.edges[0], s.histogram.edges[20]), (lo, hi));
    // Over [min, max] with the last bin closed, every selected event is in a bin.
    assert_eq!(s.histogram.entries.iter().sum::<u64>(), s.selected as u64);
    assert_eq!(
        s.histogram.overflow.entries + s.histogram.underflow.entries,
        0
    );
    assert!((s.histogram.sumw.iter().sum::<f64>() - s.sumw).abs() < 1e-9);
    assert!((s.sumw - events.total().sumw).abs() < 1e-9);
    let mean = s.mean.unwrap();
    assert!(mean > lo && mean < hi);
    assert!(s.std_dev.unwrap() > 0.0);
}

#[test]
fn summary_with_a_range_puts_the_rest_in_flow_bins() {
    let s = summarize(
        &spec("signal", "jet_pt", "1", None),
        4,
        Some((400.0, 800.0)),
    )
    .unwrap();
    let h = &s.histogram;
    assert_eq!(h.edges, [400.0, 500.0, 600.0, 700.0, 800.0]);
    assert_eq!(
        h.entries.iter().sum::<u64>() + h.underflow.entries + h.overflow.entries,
        5000
    );
    assert!(h.underflow.entries > 0 && h.overflow.entries > 0);
}

#[test]
fn summary_refuses_bad_requests_with_what_and_where() {
    let err = summarize(&spec("background", "jet_pt", "1", None), 0, None).unwrap_err();
    assert!(err.to_string().contains("number of bins"), "{err}");
    let err = summarize(
        &spec("background", "jet_pt", "1", None),
        10,
        Some((5.0, 5.0)),
    )
    .unwrap_err();
    assert!(err.to_string().contains("range"), "{err}");
    let err = summarize(&spec("background", "jet_eta", "1", None), 10, None).unwrap_err();
    assert!(matches!(err, NtupleError::MissingBranch { .. }), "{err}");
    let err = summarize(
        &spec("background", "jet_pt", "weight", Some("lep_charge >")),
        10,
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("`lep_charge >`"), "{err}");
}

#[test]
fn an_empty_selection_still_summarises() {
    let s = summarize(
        &spec("signal", "jet_pt", "weight", Some("jet_pt < 0")),
        5,
        None,
    )
    .unwrap();
    assert_eq!((s.selected, s.min, s.mean), (0, None, None));
    assert_eq!(
        s.histogram.edges,
        [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    );
    assert_eq!(s.histogram.entries, [0; 5]);
}
