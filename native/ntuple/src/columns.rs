//! Branches of a ROOT TTree read once into f64 columns.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use oxyroot::{Branch, RootFile};

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
        // oxyroot panics on some malformed inputs; a bad file must be an error, not a crash.
        catch_unwind(AssertUnwindSafe(|| read_unguarded(path, tree, branches))).unwrap_or_else(
            |panic| {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "the reader failed".into());
                // oxyroot 0.1 decompresses ZLIB, LZMA and LZ4 baskets only and panics on others.
                let message = if message.contains("not implemented") {
                    "its baskets use a compression this reader does not support (ZLIB, LZMA and \
                     LZ4 are; ZSTD and ROOT's old compression are not): re-save it with one of those"
                        .to_string()
                } else {
                    message
                };
                Err(NtupleError::File {
                    path: path.into(),
                    message,
                })
            },
        )
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.columns.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names
    }
}

impl ColumnSource for TreeColumns {
    fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns.get(name).map(|v| v.as_slice())
    }

    fn entries(&self) -> usize {
        self.entries
    }
}

fn read_unguarded(path: &str, tree_name: &str, branches: &[String]) -> Result<TreeColumns> {
    let mut file = RootFile::open(path).map_err(|e| NtupleError::File {
        path: path.into(),
        message: e.to_string(),
    })?;
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
    let mut columns = HashMap::new();
    for name in branches {
        let branch = tree
            .branch(name)
            .ok_or_else(|| NtupleError::MissingBranch {
                tree: tree_name.into(),
                branch: name.clone(),
                available: tree.branches().map(|b| b.name().to_string()).collect(),
            })?;
        let values = read_branch(branch, tree_name)?;
        if values.len() != entries {
            return Err(NtupleError::File {
                path: path.into(),
                message: format!(
                    "branch `{name}` yielded {} values for {entries} entries",
                    values.len()
                ),
            });
        }
        columns.insert(name.clone(), values);
    }
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
