//! A JSON document as a collapsible tree. Nodes come from `botwire_core::tree::children`, one
//! level at a time and only when a node is opened, so a 1 MiB payload renders at once: the
//! first two levels are open, deeper ones closed, and a big object or array shows its first
//! [`PAGE`] members with a button for more. Clicking a value selects it (its node, with both
//! paths, goes to `on_select`).
//!
//! The keyboard: the tree is one tab stop (the button last focused in it), and the arrow keys
//! move inside it (see [`on_key`]), so a long payload is not a hundred Tabs to get past.

use crate::components::focus::focus_after_render;
use botwire_core::path::Segment;
use botwire_core::tree::{self, Node, NodeKind};
use leptos::ev::{FocusEvent, KeyboardEvent};
use leptos::prelude::*;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, css};

/// Members shown at once; "Show more" adds as many again.
pub const PAGE: usize = 100;
/// Levels open when the tree first renders (the root is level 0).
pub const OPEN_LEVELS: usize = 2;

/// A parsed document, shared without copying; equal only to itself (comparing two big
/// documents member by member on every change would cost more than it saves).
#[derive(Debug, Clone)]
pub struct Doc(pub Arc<Value>);

impl PartialEq for Doc {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The path the editor shows for a node: the short form when there is one.
pub fn display_path(node: &Node) -> String {
    node.short.clone().unwrap_or_else(|| node.path.clone())
}

/// The containers opened or closed by hand, by normalized path. Handed from one tree to the
/// next when the document is redrawn (the sample edited), so the tree does not fold back.
#[derive(Clone, Copy)]
pub struct Toggled(StoredValue<HashMap<String, bool>>);

impl Toggled {
    pub fn new() -> Self {
        Toggled(StoredValue::new(HashMap::new()))
    }

    fn open(self, path: &str, depth: usize) -> bool {
        self.0
            .with_value(|t| t.get(path).copied())
            .unwrap_or(depth < OPEN_LEVELS)
    }

    fn set(self, path: &str, open: bool) {
        self.0.update_value(|t| {
            t.insert(path.to_owned(), open);
        });
    }
}

impl Default for Toggled {
    fn default() -> Self {
        Self::new()
    }
}

/// The node at `segments` in `doc`, as the tree shows it; `None` when the document has no
/// such node.
pub fn node_at(doc: &Value, segments: &[Segment]) -> Option<Node> {
    match segments.split_last() {
        None => Some(root_node(doc)),
        Some((_, parent)) => tree::children(doc, parent)
            .into_iter()
            .find(|n| n.segments == segments),
    }
}

fn root_node(doc: &Value) -> Node {
    Node {
        segments: Vec::new(),
        path: "$".to_owned(),
        short: Some("$".to_owned()),
        kind: kind_of(doc),
        len: match doc {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        },
        preview: match doc {
            Value::Object(_) | Value::Array(_) => String::new(),
            v => v.to_string(),
        },
    }
}

#[component]
pub fn JsonTree(
    doc: Doc,
    /// Called with the node of a clicked value.
    on_select: Callback<Node>,
    /// The normalized path of the selected node, marked in the tree.
    #[prop(into, optional)]
    selected: Signal<Option<String>>,
    /// Which nodes were opened or closed by hand; a fresh record when not given.
    #[prop(optional)]
    toggled: Option<Toggled>,
) -> impl IntoView {
    let root = root_node(&doc.0);
    let ctx = Ctx {
        on_select,
        selected,
        toggled: toggled.unwrap_or_default(),
    };
    view! {
        <ul
            class="json-tree"
            aria-label="Payload tree"
            aria-describedby="tree-keys"
            on:keydown=on_key
            on:focusin=hold_tab_stop
        >
            {tree_node(doc, root, 0, ctx)}
        </ul>
        <p id="tree-keys" class="visually-hidden">
            "↑ ↓ move between the values, → opens, ← closes or goes up, Enter selects."
        </p>
    }
}

/// The tab index of a button drawn at `depth`: the root's is the tree's tab stop until another
/// button is focused.
fn tab_index(depth: usize) -> &'static str {
    if depth == 0 { "0" } else { "-1" }
}

/// The tree's buttons, in the order they are shown.
fn buttons(tree: &Element) -> Vec<HtmlElement> {
    let Ok(list) = tree.query_selector_all("button") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .collect()
}

/// The focused button becomes the tree's one tab stop, so Tab leaves the tree and comes back
/// to where the person was.
fn hold_tab_stop(e: FocusEvent) {
    let Some(target) = e.target().and_then(|t| t.dyn_into::<HtmlElement>().ok()) else {
        return;
    };
    let Some(tree) = target.closest(".json-tree").ok().flatten() else {
        return;
    };
    if target.tag_name() != "BUTTON" {
        return;
    }
    if let Ok(Some(held)) = tree.query_selector("button[tabindex='0']") {
        let _ = held.set_attribute("tabindex", "-1");
    }
    let _ = target.set_attribute("tabindex", "0");
}

/// ↑ ↓ go to the previous and next button, Home and End to the first and last; → opens a closed
/// container and, on an open one, goes on into it; ← closes an open container and otherwise
/// goes to the container around (from a container's *select*, to its own toggle).
fn on_key(e: KeyboardEvent) {
    if e.alt_key() || e.ctrl_key() || e.meta_key() || e.shift_key() {
        return;
    }
    let Some(target) = e.target().and_then(|t| t.dyn_into::<HtmlElement>().ok()) else {
        return;
    };
    let Some(tree) = target.closest(".json-tree").ok().flatten() else {
        return;
    };
    let all = buttons(&tree);
    let Some(at) = all.iter().position(|b| *b == target) else {
        return;
    };
    let expanded = target.get_attribute("aria-expanded");
    let to: Option<HtmlElement> = match e.key().as_str() {
        "ArrowDown" => all.get(at + 1).cloned(),
        "ArrowUp" => at.checked_sub(1).and_then(|i| all.get(i)).cloned(),
        "Home" => all.first().cloned(),
        "End" => all.last().cloned(),
        "ArrowRight" => match expanded.as_deref() {
            Some("false") => {
                target.click();
                None
            }
            Some(_) => all.get(at + 1).cloned(),
            None => None,
        },
        "ArrowLeft" => match expanded.as_deref() {
            Some("true") => {
                target.click();
                None
            }
            _ => container_toggle(&target),
        },
        _ => return,
    };
    e.prevent_default();
    if let Some(to) = to {
        let _ = to.focus();
    }
}

/// The toggle of the container a button belongs to: its own row's for a *select*, else the
/// one of the node around it.
fn container_toggle(button: &HtmlElement) -> Option<HtmlElement> {
    let own = button.closest("li.jt-node").ok().flatten()?;
    let node = if button.class_list().contains("jt-pick") {
        own
    } else {
        own.parent_element()?.closest("li.jt-node").ok().flatten()?
    };
    node.query_selector(":scope > .jt-row > .jt-toggle")
        .ok()
        .flatten()?
        .dyn_into::<HtmlElement>()
        .ok()
}

/// What every node of one tree shares.
#[derive(Clone, Copy)]
struct Ctx {
    on_select: Callback<Node>,
    selected: Signal<Option<String>>,
    toggled: Toggled,
}

fn kind_of(value: &Value) -> NodeKind {
    match value {
        Value::Object(_) => NodeKind::Object,
        Value::Array(_) => NodeKind::Array,
        Value::String(_) => NodeKind::String,
        Value::Number(_) => NodeKind::Number,
        Value::Bool(_) => NodeKind::Boolean,
        Value::Null => NodeKind::Null,
    }
}

fn label_of(node: &Node) -> (String, &'static str) {
    match node.segments.last() {
        None => ("$".to_owned(), "jt-key jt-root"),
        Some(Segment::Name(name)) => (name.clone(), "jt-key"),
        Some(Segment::Index(i)) => (i.to_string(), "jt-key jt-index"),
    }
}

fn kind_class(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::String => "jt-v jt-string",
        NodeKind::Number => "jt-v jt-number",
        NodeKind::Boolean => "jt-v jt-boolean",
        NodeKind::Null => "jt-v jt-null",
        NodeKind::Object | NodeKind::Array => "jt-v jt-container",
    }
}

fn tree_node(doc: Doc, node: Node, depth: usize, ctx: Ctx) -> AnyView {
    let Ctx {
        on_select,
        selected,
        toggled,
    } = ctx;
    let (label, label_class) = label_of(&node);
    match node.kind {
        NodeKind::Object | NodeKind::Array => {
            let expanded = RwSignal::new(toggled.open(&node.path, depth));
            let summary = match (node.kind, node.len) {
                (NodeKind::Object, 1) => "{…} 1 key".to_owned(),
                (NodeKind::Object, n) => format!("{{…}} {n} keys"),
                (_, 1) => "[…] 1 item".to_owned(),
                (_, n) => format!("[…] {n} items"),
            };
            let path = node.path.clone();
            let segments = node.segments.clone();
            let selectable = node.clone();
            let pick_label = format!("Select {}", display_path(&node));
            let is_selected = is_selected(selected, node.path.clone());
            view! {
                <li class="jt-node">
                    <div class="jt-row">
                        <button
                            type="button"
                            class="jt-toggle"
                            tabindex=tab_index(depth)
                            aria-expanded=move || expanded.get().to_string()
                            data-path=path.clone()
                            on:click=move |_| {
                                let open = !expanded.get_untracked();
                                toggled.set(&path, open);
                                expanded.set(open);
                            }
                        >
                            <span class="jt-caret" aria-hidden="true">
                                {move || if expanded.get() { "▾" } else { "▸" }}
                            </span>
                            <span class=label_class>{label}</span>
                            <span class="jt-v jt-container">{summary}</span>
                        </button>
                        <button
                            type="button"
                            class="jt-pick"
                            tabindex="-1"
                            title="Select this value"
                            aria-label=pick_label
                            aria-current=move || is_selected().then_some("true")
                            on:click=move |_| on_select.run(selectable.clone())
                        >
                            "select"
                        </button>
                    </div>
                    {move || {
                        expanded
                            .get()
                            .then(|| {
                                children_list(doc.clone(), segments.clone(), depth, ctx)
                            })
                    }}
                </li>
            }
            .into_any()
        }
        kind => {
            let preview = node.preview.clone();
            let path = node.path.clone();
            let is_selected = is_selected(selected, node.path.clone());
            view! {
                <li class="jt-node jt-leaf">
                    <button
                        type="button"
                        class="jt-value"
                        tabindex=tab_index(depth)
                        class:jt-selected=is_selected
                        aria-current=move || is_selected().then_some("true")
                        data-path=path
                        on:click=move |_| on_select.run(node.clone())
                    >
                        <span class=label_class>{label}</span>
                        <span class="jt-colon" aria-hidden="true">": "</span>
                        <span class=kind_class(kind)>{preview}</span>
                    </button>
                </li>
            }
            .into_any()
        }
    }
}

/// Whether the node at `path` is the selected one.
fn is_selected(selected: Signal<Option<String>>, path: String) -> impl Fn() -> bool + Copy {
    let path = StoredValue::new(path);
    move || selected.with(|s| path.with_value(|p| s.as_deref() == Some(p.as_str())))
}

/// The children of an opened node, a page at a time; computed when the node is opened.
fn children_list(doc: Doc, segments: Vec<Segment>, depth: usize, ctx: Ctx) -> impl IntoView {
    let children: Arc<Vec<Node>> = Arc::new(tree::children(&doc.0, &segments));
    let total = children.len();
    let pages = RwSignal::new(1usize);
    let kids = children.clone();
    let next = children.clone();
    view! {
        <ul class="jt-children">
            <For
                each=move || 0..pages.get()
                key=|page| *page
                children=move |page| {
                    let start = page * PAGE;
                    let end = (start + PAGE).min(total);
                    kids[start.min(end)..end]
                        .iter()
                        .map(|child| {
                            tree_node(doc.clone(), child.clone(), depth + 1, ctx)
                        })
                        .collect_view()
                }
            />
            {move || {
                let shown = (pages.get() * PAGE).min(total);
                (shown < total)
                    .then(|| {
                        let next = next.clone();
                        view! {
                            <li class="jt-node">
                                <button
                                    type="button"
                                    class="jt-more"
                                    tabindex="-1"
                                    on:click=move |_| {
                                        pages.update(|p| *p += 1);
                                        // This button is drawn anew (or goes): the focus goes on
                                        // to the first member it added.
                                        let first_new = css::escape(&next[shown].path);
                                        focus_after_render(vec![
                                            format!(".json-tree [data-path=\"{first_new}\"]"),
                                        ]);
                                    }
                                >
                                    {format!("Show more ({shown} of {total} shown)")}
                                </button>
                            </li>
                        }
                    })
            }}
        </ul>
    }
}
