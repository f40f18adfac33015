//! The hostile-input limits, as a filter every event passes through before a builder sees it:
//! one copy for both readers in this crate (the first-document value loader and the
//! line-numbered tree).

use saphyr_parser::Event;
use std::collections::HashMap;
use std::fmt;

/// What a reader accepts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of collections: builders recurse (or free) once per level, so a hostile
    /// document of a million `- ` would otherwise overflow the stack.
    pub max_depth: usize,
    /// Nodes alias expansion alone may add, if limited.
    pub max_alias_nodes: Option<usize>,
    /// Nodes the whole stream may expand to (aliases at their expanded size), if limited.
    pub max_nodes: Option<usize>,
}

/// The limit an event broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    Depth(usize),
    AliasNodes(usize),
    Nodes(usize),
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exceeded::Depth(n) => write!(f, "collections nested deeper than {n}"),
            Exceeded::AliasNodes(n) => write!(f, "aliases expand to more than {n} nodes"),
            Exceeded::Nodes(n) => {
                write!(f, "document expands to more than {n} nodes (alias bomb?)")
            }
        }
    }
}

/// Depth and alias accounting over the event stream. Aliases are charged at the expanded size
/// of their anchor, mapping keys included: saphyr's own budget counts an aliased key as one node
/// whatever its size, so anchors used as keys would still grow exponentially.
pub struct Guard {
    limits: Limits,
    /// Open collections: anchor id and the node count when they started.
    open: Vec<(usize, usize)>,
    /// Nodes of the stream so far, aliases counted at their expanded size.
    nodes: usize,
    /// Nodes added by aliases alone.
    alias_nodes: usize,
    /// Expanded size of every completed anchored node of the current document.
    anchors: HashMap<usize, usize>,
}

impl Guard {
    pub fn new(limits: Limits) -> Self {
        Guard {
            limits,
            open: Vec::new(),
            nodes: 0,
            alias_nodes: 0,
            anchors: HashMap::new(),
        }
    }

    /// Accounts for one event; an error means the stream must stop here.
    pub fn check(&mut self, event: &Event<'_>) -> Result<(), Exceeded> {
        match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.open.len() >= self.limits.max_depth {
                    return Err(Exceeded::Depth(self.limits.max_depth));
                }
                self.open.push((*anchor, self.nodes));
                self.add(1)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = self.open.pop()
                    && anchor != 0
                {
                    self.anchors.insert(anchor, self.nodes - start);
                }
            }
            Event::Scalar(_, _, anchor, _) => {
                self.add(1)?;
                if *anchor != 0 {
                    self.anchors.insert(*anchor, 1);
                }
            }
            Event::Alias(id) => {
                // An unknown or still-open anchor is the builder's error to report, as one node.
                let size = self.anchors.get(id).copied().unwrap_or(1);
                self.alias_nodes = self.alias_nodes.saturating_add(size);
                if let Some(max) = self.limits.max_alias_nodes
                    && self.alias_nodes > max
                {
                    return Err(Exceeded::AliasNodes(max));
                }
                self.add(size)?;
            }
            // Anchors are scoped to their document.
            Event::DocumentStart(_) => self.anchors.clear(),
            _ => {}
        }
        Ok(())
    }

    fn add(&mut self, n: usize) -> Result<(), Exceeded> {
        self.nodes = self.nodes.saturating_add(n);
        match self.limits.max_nodes {
            Some(max) if self.nodes > max => Err(Exceeded::Nodes(max)),
            _ => Ok(()),
        }
    }
}
