//! Branches of a ROOT TTree read once into f64 columns.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use oxyroot::{Branch, ReaderTree, RootFile};

use crate::error::{NtupleError, Result};
use crate::expr::ColumnSource;

/// The columns of one tree, keyed by branch name, all of the same length.
#[derive(Debug, Clone, Default)]
pub struct TreeColumns {
    entries: usize,
    columns: HashMap<String, Vec<f64>>,
}

impl TreeColumns {
    /// Build from in-memory columns (tests, generated samples).
    ///
    /// Panics if the columns differ in length: that is a programming error, not bad input.
    pub fn from_columns(columns: Vec<(String, Vec<f64>)>) -> TreeColumns {
        let entries = columns.first().map_or(0, |(_, v)| v.len());
        if let Some((name, v)) = columns.iter().find(|(_, v)| v.len() != entries) {
            panic!(
                "column `{name}` has {} entries, expected {entries}",
                v.len()
            );
        }
        TreeColumns {
            entries,
            columns: columns.into_iter().collect(),
        }
    }

    /// Read `branches` of `tree` in the ROOT file at `path`.
    pub fn read(path: &str, tree: &str, branches: &[String]) -> Result<TreeColumns> {
        guarded(path, || read_unguarded(path, tree, branches))
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.columns.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names
    }
}

/// Run a reader call on the ROOT file at `path`, turning oxyroot's panics on malformed or unsupported
/// input into an error that names the file: a bad file must be an error, not a crash.
pub(crate) fn guarded<T>(path: &str, read: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|panic| {
        Err(NtupleError::File {
            path: path.into(),
            message: panic_message(panic.as_ref()),
        })
    })
}

pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "the reader failed".into());
    // oxyroot 0.1 decompresses ZLIB, LZMA and LZ4 baskets only and panics on others.
    if message.contains("not implemented") {
        "its baskets use a compression this reader does not support (ZLIB, LZMA and \
         LZ4 are; ZSTD and ROOT's old compression are not): re-save it with one of those"
            .to_string()
    } else {
        message
    }
}

/// Open a ROOT file, checking its signature first: oxyroot asserts on it, and "not a ROOT file" is
/// the message a user who dropped the wrong file needs.
pub(crate) fn open_root(path: &str) -> Result<RootFile> {
    let error = |message: String| NtupleError::File {
        path: path.into(),
        message,
    };
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                error("not a ROOT file: it is shorter than ROOT's header".into())
            }
            _ => error(e.to_string()),
        })?;
    if &magic != b"root" {
        return Err(error(
            "not a ROOT file: it does not start with ROOT's signature `root`".into(),
        ));
    }
    RootFile::open(path).map_err(|e| error(e.to_string()))
}

/// C++ types of the flat branches Histune reads as numbers.
pub const READABLE_TYPES: [&str; 11] = [
    "double", "float", "int64_t", "uint64_t", "int32_t", "uint32_t", "int16_t", "uint16_t",
    "int8_t", "uint8_t", "bool",
];

impl ColumnSource for TreeColumns {
    fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns.get(name).map(|v| v.as_slice())
    }

    fn entries(&self) -> usize {
        self.entries
    }
}

fn read_unguarded(path: &str, tree_name: &str, branches: &[String]) -> Result<TreeColumns> {
    let mut file = open_root(path)?;
    let has_key = file.keys_name().any(|k| k == tree_name);
    let tree = file.get_tree(tree_name).map_err(|e| {
        if has_key {
            NtupleError::File {
                path: path.into(),
                message: format!("cannot read TTree `{tree_name}`: {e}"),
            }
        } else {
            NtupleError::MissingTree {
                path: path.into(),
                tree: tree_name.into(),
            }
        }
    })?;
    let entries = tree.entries().max(0) as usize;
    if let Some(name) = branches.iter().find(|name| tree.branch(name).is_none()) {
        return Err(NtupleError::MissingBranch {
            tree: tree_name.into(),
            branch: name.clone(),
            available: tree.branches().map(|b| b.name().to_string()).collect(),
        });
    }
    let read = |tree: &ReaderTree, name: &String| -> Result<(String, Vec<f64>)> {
        let values = read_branch(tree.branch(name).expect("checked above"), tree_name)?;
        if values.len() != entries {
            return Err(NtupleError::File {
                path: path.into(),
                message: format!(
                    "branch `{name}` yielded {} values for {entries} entries",
                    values.len()
                ),
            });
        }
        Ok((name.clone(), values))
    };
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(branches.len());
    let columns: HashMap<String, Vec<f64>> = if workers <= 1 {
        branches
            .iter()
            .map(|name| read(&tree, name))
            .collect::<Result<_>>()?
    } else {
        // Decompressing and decoding baskets is most of the time: each thread reads its share of
        // the branches through its own handle on the file.
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let read = &read;
                    scope.spawn(move || -> Result<Vec<(String, Vec<f64>)>> {
                        let mut file = open_root(path)?;
                        let tree = file.get_tree(tree_name).map_err(|e| NtupleError::File {
                            path: path.into(),
                            message: format!("cannot read TTree `{tree_name}`: {e}"),
                        })?;
                        branches
                            .iter()
                            .skip(w)
                            .step_by(workers)
                            .map(|name| read(&tree, name))
                            .collect()
                    })
                })
                .collect();
            let mut columns = HashMap::new();
            for handle in handles {
                let part = handle.join().unwrap_or_else(|panic| {
                    Err(NtupleError::File {
                        path: path.into(),
                        message: panic_message(panic.as_ref()),
                    })
                })?;
                columns.extend(part);
            }
            Ok::<_, NtupleError>(columns)
        })?
    };
    Ok(TreeColumns { entries, columns })
}

fn read_branch(branch: &Branch, tree: &str) -> Result<Vec<f64>> {
    let type_name = branch.item_type_name();
    let unsupported = || NtupleError::UnsupportedBranch {
        tree: tree.into(),
        branch: branch.name().into(),
        type_name: type_name.clone(),
    };
    macro_rules! column {
        ($t:ty) => {
            branch
                .as_iter::<$t>()
                .map_err(|_| unsupported())?
                .map(|v| v as f64)
                .collect()
        };
    }
    Ok(match type_name.as_str() {
        "double" => column!(f64),
        "float" => column!(f32),
        "int64_t" => column!(i64),
        "uint64_t" => column!(u64),
        "int32_t" => column!(i32),
        "uint32_t" => column!(u32),
        "int16_t" => column!(i16),
        "uint16_t" => column!(u16),
        "int8_t" => column!(i8),
        "uint8_t" => column!(u8),
        "bool" => branch
            .as_iter::<bool>()
            .map_err(|_| unsupported())?
            .map(|v| if v { 1.0 } else { 0.0 })
            .collect(),
        _ => return Err(unsupported()),
    })
}
