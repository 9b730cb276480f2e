// lumex.core.graph: the pending graph, creation sites and evaluation events, seen
// from Python; plus mx.export_to_dot. Nothing here evaluates an array.
#include "common.h"

#include <frameobject.h>
#include <nanobind/stl/shared_ptr.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "engine/events.h"
#include "engine/introspect.h"

namespace {

using lx::EvalEvent;
using lx::NodeInfo;

// ---- the user's source location: first Python frame outside the lumex package ----

std::string lumex_dir;  // ".../lumex/", set at import
// (code object, line) -> site index, or kLumexFrame for frames inside lumex. Code
// objects are kept alive by the cache, so their addresses are never reused. GIL-guarded.
constexpr uint32_t kLumexFrame = 0xffffffffu;
struct PairHash {
  size_t operator()(const std::pair<PyObject*, int>& k) const {
    return std::hash<PyObject*>{}(k.first) ^ (static_cast<size_t>(k.second) * 0x9e3779b97f4a7c15ull);
  }
};
std::unordered_map<std::pair<PyObject*, int>, uint32_t, PairHash> frame_cache;
// Set by release_at_exit: from then on no new Python references are cached.
std::atomic<bool> interpreter_exiting{false};

uint32_t frame_site(PyFrameObject* f) {
  PyCodeObject* code = PyFrame_GetCode(f);
  int line = PyFrame_GetLineNumber(f);
  auto key = std::make_pair(reinterpret_cast<PyObject*>(code), line);
  auto it = frame_cache.find(key);
  if (it != frame_cache.end()) {
    Py_DECREF(code);
    return it->second;
  }
  const char* file = PyUnicode_AsUTF8(code->co_filename);
  const char* func = PyUnicode_AsUTF8(code->co_name);
  uint32_t idx = kLumexFrame;
  if (!file || !func) {
    PyErr_Clear();
    idx = 0;
  } else if (lumex_dir.empty() || std::string_view(file).rfind(lumex_dir, 0) != 0) {
    idx = lx::sites::intern({file, line, func});
  }
  frame_cache.emplace(key, idx);  // keeps the reference taken by PyFrame_GetCode
  return idx;
}

uint32_t python_site() {
  if (!Py_IsInitialized() || _Py_IsFinalizing() || interpreter_exiting) return 0;
  nb::gil_scoped_acquire gil;
  if (interpreter_exiting) return 0;  // release_at_exit ran while we waited for the GIL
  PyFrameObject* f = PyEval_GetFrame();  // borrowed
  Py_XINCREF(f);
  uint32_t idx = 0;
  while (f) {
    uint32_t s = frame_site(f);
    if (s != kLumexFrame) {
      idx = s;
      Py_DECREF(f);
      break;
    }
    PyFrameObject* back = PyFrame_GetBack(f);
    Py_DECREF(f);
    f = back;
  }
  return idx;
}

nb::object site_tuple(uint32_t idx) {
  auto s = lx::sites::lookup(idx);
  if (s.line <= 0) return nb::none();
  return nb::make_tuple(s.file, s.line, s.function);
}

// ---- growth warning ----

PyObject* growth_warning_type = nullptr;

void python_warn(const std::string& message) {
  nb::gil_scoped_acquire gil;
  if (PyErr_WarnEx(growth_warning_type, message.c_str(), 1) < 0) {
    // Warnings turned into errors cannot cross eval (it may run without the GIL).
    PyErr_WriteUnraisable(growth_warning_type);
  }
}

// ---- observers ----

// A Python callable released with the GIL held, whatever thread drops the last ref.
struct PyCallback {
  nb::object fn;
  explicit PyCallback(nb::object f) : fn(std::move(f)) {}
  ~PyCallback() {
    if (!Py_IsInitialized()) {
      fn.release();  // the interpreter is gone: leak rather than crash
      return;
    }
    nb::gil_scoped_acquire gil;
    fn.reset();
  }
};

// Handles of the observers added from Python (GIL-guarded). The engine's registry is
// a C++ static that outlives the interpreter: an observer still registered at exit
// would keep its callable, and everything the callable reaches (collected events,
// graph nodes, a ledger), alive past finalisation. release_at_exit drops them.
std::unordered_set<int> python_observers;

int add_python_observer(nb::object fn, bool nodes = true) {
  if (!PyCallable_Check(fn.ptr())) throw nb::type_error("The observer must be callable.");
  if (interpreter_exiting) return 0;  // nothing would release it any more
  auto cb = std::make_shared<PyCallback>(std::move(fn));
  int handle = lx::events::add_observer([cb](const std::shared_ptr<const EvalEvent>& ev) {
    nb::gil_scoped_acquire gil;
    try {
      cb->fn(std::const_pointer_cast<EvalEvent>(ev));
    } catch (nb::python_error& e) {
      e.discard_as_unraisable(cb->fn);
    } catch (const std::exception&) {
    }
  }, nodes);
  python_observers.insert(handle);
  return handle;
}

bool remove_python_observer(int handle) {
  python_observers.erase(handle);
  return lx::events::remove_observer(handle);
}

// Registered with Python's atexit, which runs before modules are torn down: the
// Python objects held by C++ statics are released while the interpreter can still
// free them, so nothing they reach survives finalisation.
void release_at_exit() {
  interpreter_exiting = true;
  for (int h : python_observers) lx::events::remove_observer(h);
  python_observers.clear();
  for (auto& [key, idx] : frame_cache) Py_DECREF(key.first);
  frame_cache.clear();
}

/// `with graph.collect_events() as log:` gathers the events of its block in log.events.
struct EventLog {
  nb::list events;
  int handle = 0;
};

struct ScopeGuard {
  std::string segment;
  size_t depth = 0;
};

struct SitesScope {
  bool on;
  bool previous = false;
};

void collect(nb::handle h, std::vector<lx::array>& out) {
  if (nb::isinstance<lx::array>(h)) {
    out.push_back(nb::cast<lx::array>(h));
  } else if (nb::isinstance<nb::list>(h) || nb::isinstance<nb::tuple>(h)) {
    for (auto item : h) collect(item, out);
  } else if (nb::isinstance<nb::dict>(h)) {
    for (auto item : nb::borrow<nb::dict>(h).values()) collect(item, out);
  } else {
    throw nb::type_error("Expected arrays (or lists, tuples, dicts of arrays).");
  }
}

std::vector<lx::array> arrays_of(nb::args args) {
  std::vector<lx::array> out;
  for (auto a : args) collect(a, out);
  return out;
}

std::vector<std::pair<std::string, lx::array>> named_of(nb::kwargs kwargs) {
  std::vector<std::pair<std::string, lx::array>> out;
  for (auto [k, v] : kwargs) {
    if (!nb::isinstance<lx::array>(v)) {
      throw nb::type_error("export_to_dot: named values must be arrays.");
    }
    out.emplace_back(nb::cast<std::string>(k), nb::cast<lx::array>(v));
  }
  return out;
}

void write_text(nb::handle file, const std::string& text) {
  if (nb::isinstance<nb::str>(file) || nb::hasattr(file, "__fspath__")) {
    auto path = nb::cast<std::string>(nb::module_::import_("os").attr("fspath")(file));
    std::ofstream f(path);
    if (!f) throw std::runtime_error("[export_to_dot] Cannot open " + path + " for writing.");
    f << text;
  } else {
    file.attr("write")(text);
  }
}

std::string dot_text(nb::args args, nb::kwargs kwargs, bool annotated) {
  std::ostringstream os;
  auto outs = arrays_of(args);
  auto named = named_of(kwargs);
  if (annotated) {
    lx::export_to_dot_annotated(os, outs, named);
  } else {
    lx::export_to_dot(os, outs, named);
  }
  return os.str();
}

nb::object source_line(uint32_t site) {
  auto s = lx::sites::lookup(site);
  if (s.line <= 0) return nb::none();
  nb::object text = nb::module_::import_("linecache").attr("getline")(s.file, s.line);
  return text.attr("strip")();
}

}  // namespace

void init_graph(nb::module_& m) {
  if (auto pkg = nb::module_::import_("sys").attr("modules").attr("get")("lumex");
      !pkg.is_none() && nb::hasattr(pkg, "__path__")) {
    auto path = nb::cast<std::string>(nb::list(pkg.attr("__path__"))[0]);
    lumex_dir = path + "/";
  }
  lx::sites::set_provider(&python_site);
  nb::module_::import_("atexit").attr("register")(nb::cpp_function(&release_at_exit));

  m.def("export_to_dot",
        [](nb::handle file, nb::args args, nb::kwargs kwargs) {
          write_text(file, dot_text(args, kwargs, false));
        },
        "file"_a, "args"_a, "kwargs"_a,
        nb::sig("def export_to_dot(file: object, *args, **kwargs) -> None"),
        R"(Write the pending graph of some arrays in DOT format, as MLX does.

``file`` is a path or an object with ``write``. Positional arrays are the
outputs; keyword arrays are outputs too and are drawn with their names. Unnamed
arrays are called A, B, ..., Z, AA, ... in the order they are visited.
Nothing is evaluated.)");

  auto g = m.def_submodule(
      "graph", "Look at the lazy engine: the pending graph, creation sites and evaluation events.");
  growth_warning_type = PyErr_NewExceptionWithDoc(
      "lumex.core.graph.GraphGrowthWarning",
      "An array about to be evaluated has a pending graph above the threshold set by "
      "set_growth_warning.",
      PyExc_RuntimeWarning, nullptr);
  g.attr("GraphGrowthWarning") = nb::handle(growth_warning_type);
  {
    nb::list kinds;
    for (int k = 0; k <= static_cast<int>(lx::TriggerKind::other); ++k) {
      kinds.append(lx::trigger_name(static_cast<lx::TriggerKind>(k)));
    }
    g.attr("TRIGGER_KINDS") = nb::tuple(kinds);
  }

  nb::class_<NodeInfo>(g, "GraphNode", "One array of a graph snapshot.")
      .def_ro("id", &NodeInfo::id, "The array's process-unique id.")
      .def_ro("primitive_id", &NodeInfo::primitive_id,
              "Shared by the outputs of one primitive; 0 for graph sources.")
      .def_prop_ro("op", [](const NodeInfo& n) -> nb::object {
        if (n.op.empty()) return nb::none();
        return nb::str(n.op.c_str());
      }, "The primitive's name, None for graph sources.")
      .def_prop_ro("params", [](const NodeInfo& n) {
        nb::dict d;
        for (auto& [k, v] : n.params) d[k.c_str()] = v;
        return d;
      }, "The primitive's parameters as strings.")
      .def_ro("stream", &NodeInfo::stream, "The primitive's stream, None for graph sources.")
      .def_prop_ro("inputs", [](const NodeInfo& n) { return nb::tuple(nb::cast(n.inputs)); })
      .def_prop_ro("siblings", [](const NodeInfo& n) { return nb::tuple(nb::cast(n.siblings)); })
      .def_prop_ro("shape", [](const NodeInfo& n) { return nb::tuple(nb::cast(n.shape)); })
      .def_ro("dtype", &NodeInfo::dtype)
      .def_prop_ro("status", [](const NodeInfo& n) { return lx::status_name(n.status); })
      .def_ro("nbytes", &NodeInfo::nbytes, "Bytes the array's data takes (or will).")
      .def_ro("is_input", &NodeInfo::is_input, "A graph source (no primitive).")
      .def_ro("is_constant", &NodeInfo::is_constant,
              "A source only the graph holds, such as the 1 in x + 1.")
      .def_ro("is_output", &NodeInfo::is_output)
      .def_ro("is_held", &NodeInfo::is_held,
              "Referenced from outside this graph (a Python variable, another "
              "pending graph): evaluating the graph will not free it.")
      .def_prop_ro("site", [](const NodeInfo& n) { return site_tuple(n.site); },
                   "(file, line, function) where it was created, if recorded.")
      .def_prop_ro("scope", [](const NodeInfo& n) { return lx::sites::lookup(n.site).scope; },
                   "The dotted module scope path open when it was created (see scope()); "
                   "'' at top level or when sites were not recorded.")
      .def_prop_ro("public_op", [](const NodeInfo& n) -> nb::object {
        auto op = lx::sites::lookup(n.site).op;
        if (op.empty()) return nb::none();
        return nb::str(op.c_str());
      }, "The lumex function whose call created it (e.g. 'ones' for the Broadcast "
         "behind mx.ones), if sites were recorded; None otherwise.")
      .def_ro("call", &NodeInfo::call,
              "Nodes with the same nonzero call were created by one public_op call.")
      .def("__repr__", [](const NodeInfo& n) {
        std::ostringstream os;
        os << "GraphNode(id=" << n.id << ", op=" << (n.op.empty() ? "None" : n.op)
           << ", shape=(";
        for (size_t i = 0; i < n.shape.size(); ++i) os << (i ? ", " : "") << n.shape[i];
        os << (n.shape.size() == 1 ? ",)" : ")") << ", dtype=" << n.dtype
           << ", status=" << lx::status_name(n.status) << ")";
        return os.str();
      });

  nb::class_<EvalEvent>(g, "EvalEvent", "One evaluation, as seen by an observer.")
      .def_prop_ro("kind", [](const EvalEvent& e) { return lx::trigger_name(e.kind); },
                   "What caused it: 'eval', 'repr', 'item', 'bool', 'buffer', ...")
      .def_prop_ro("file", [](const EvalEvent& e) -> nb::object {
        auto s = lx::sites::lookup(e.site);
        return s.line > 0 ? nb::object(nb::str(s.file.c_str())) : nb::none();
      })
      .def_prop_ro("line", [](const EvalEvent& e) -> nb::object {
        auto s = lx::sites::lookup(e.site);
        return s.line > 0 ? nb::object(nb::int_(s.line)) : nb::none();
      })
      .def_prop_ro("function", [](const EvalEvent& e) -> nb::object {
        auto s = lx::sites::lookup(e.site);
        return s.line > 0 ? nb::object(nb::str(s.function.c_str())) : nb::none();
      })
      .def_prop_ro("scope", [](const EvalEvent& e) { return lx::sites::lookup(e.site).scope; },
                   "The module scope path open at the trigger ('' at top level).")
      .def_prop_ro("source", [](const EvalEvent& e) { return source_line(e.site); },
                   "The text of the user's source line.")
      .def_ro("nodes", &EvalEvent::nodes, "The computed graph (GraphNode list), inputs first.")
      .def_prop_ro("outputs", [](const EvalEvent& e) { return nb::tuple(nb::cast(e.outputs)); })
      .def_ro("num_nodes", &EvalEvent::num_nodes, "Primitives run.")
      .def_ro("nbytes", &EvalEvent::nbytes, "Bytes of the arrays computed.")
      .def_ro("wall_time", &EvalEvent::wall_time, "Seconds spent computing.")
      .def_ro("thread_id", &EvalEvent::thread_id)
      .def_ro("sequence", &EvalEvent::sequence, "Process-wide order of events.")
      .def("__repr__", [](const EvalEvent& e) {
        auto s = lx::sites::lookup(e.site);
        std::ostringstream os;
        os << "EvalEvent(kind=" << lx::trigger_name(e.kind) << ", at=" << s.file << ":"
           << s.line << ", num_nodes=" << e.num_nodes << ", nbytes=" << e.nbytes
           << ", wall_time=" << e.wall_time << ")";
        return os.str();
      });

  g.def("nodes",
        [](nb::args args) {
          auto outs = arrays_of(args);
          nb::gil_scoped_release release;
          return lx::snapshot_graph(outs);
        },
        "args"_a, nb::sig("def nodes(*arrays) -> list[GraphNode]"),
        "The pending graph of the arrays, inputs first (evaluates nothing).");
  g.def("pending_count",
        [](nb::args args) { return lx::pending_count(arrays_of(args)); },
        "args"_a, nb::sig("def pending_count(*arrays) -> int"),
        "How many primitives evaluating the arrays would run.");
  g.def("pending_size",
        [](nb::args args) {
          auto [n, bytes] = lx::pending_size(arrays_of(args));
          return nb::make_tuple(n, bytes);
        },
        "args"_a, nb::sig("def pending_size(*arrays) -> tuple[int, int]"),
        "``(nodes, nbytes)``: pending_count and the bytes of the results those "
        "primitives would produce (evaluates nothing).");
  g.def("status", [](const lx::array& a) { return lx::status_name(a.status()); }, "a"_a,
        "'unscheduled', 'scheduled', 'evaluated' or 'available' (evaluates nothing).");
  g.def("site", [](const lx::array& a) { return site_tuple(a.site()); }, "a"_a,
        "(file, line, function) where the array was created, if sites were recorded.");
  g.def("to_dot",
        [](nb::args args, nb::kwargs kwargs) { return dot_text(args, kwargs, true); },
        "args"_a, "kwargs"_a, nb::sig("def to_dot(*arrays, **named) -> str"),
        "DOT text like export_to_dot, with each array labelled by shape, dtype, status "
        "and creation site, and each primitive by its parameters.");
  g.def("export_to_dot",
        [](nb::handle file, nb::args args, nb::kwargs kwargs) {
          write_text(file, dot_text(args, kwargs, true));
        },
        "file"_a, "args"_a, "kwargs"_a,
        nb::sig("def export_to_dot(file: object, *arrays, **named) -> None"),
        "Write to_dot's annotated graph to a path or file object.");

  g.def("set_record_sites", &lx::sites::set_recording, "enabled"_a,
        "Record where each new graph node is created (off by default). Returns the "
        "previous setting.");
  g.def("record_sites_enabled", &lx::sites::recording,
        "Whether creation sites are being recorded (see set_record_sites).");
  nb::class_<SitesScope>(g, "_SitesScope")
      .def("__enter__", [](SitesScope& s) {
        s.previous = lx::sites::set_recording(s.on);
        return nb::none();
      })
      .def("__exit__", [](SitesScope& s, nb::args) { lx::sites::set_recording(s.previous); });
  g.def("record_sites", [](bool on) { return SitesScope{on}; }, "enabled"_a = true,
        "Context manager: record creation sites inside the block.");

  nb::class_<ScopeGuard>(g, "_Scope")
      .def("__enter__", [](ScopeGuard& s) {
        lx::sites::push_scope(s.segment);
        s.depth = lx::sites::scope_depth();
        return nb::none();
      })
      .def("__exit__", [](ScopeGuard& s, nb::args) {
        // Unwinds scopes left open inside the block too (an exception between a
        // manual push and pop), so the stack always matches the `with` nesting.
        while (lx::sites::scope_depth() >= s.depth && s.depth > 0) lx::sites::pop_scope();
      });
  g.def("scope",
        [](std::string segment) {
          if (segment.empty()) throw nb::value_error("[scope] The scope name must not be empty.");
          return ScopeGuard{std::move(segment)};
        },
        "name"_a,
        "Context manager: nodes created inside the block (while creation sites are "
        "recorded) belong to module scope ``name``, nested inside the enclosing "
        "scopes and joined with '.': ``GraphNode.scope`` reads \"encoder.layers.0\".");
  g.def("current_scope", &lx::sites::current_scope,
        "The dotted scope path open on this thread ('' at top level).");

  g.def("add_observer", &add_python_observer, "callback"_a, "nodes"_a = true,
        "Call ``callback(event)`` after every evaluation; returns a handle for "
        "remove_observer. The callback runs on the evaluating thread. With "
        "``nodes=False`` events may come without their graph (``event.nodes`` "
        "empty; counts, bytes, times and the trigger are there), which makes "
        "observing cheap: the graph is copied only when some observer wants it.");
  g.def("remove_observer", &remove_python_observer, "handle"_a,
        "Stop calling the observer that add_observer returned ``handle`` for.");
  nb::class_<EventLog>(g, "EventLog", "The events collected by collect_events().")
      .def_ro("events", &EventLog::events)
      .def("__enter__", [](nb::handle self) {
        auto& log = nb::cast<EventLog&>(self);
        nb::list events = log.events;
        log.handle = add_python_observer(nb::cpp_function(
            [events](nb::handle ev) {
              nb::list target = events;
              target.append(ev);
            }));
        return nb::borrow(self);
      })
      .def("__exit__", [](EventLog& log, nb::args) {
        remove_python_observer(log.handle);
        log.handle = 0;
      })
      .def("__len__", [](EventLog& log) { return nb::len(log.events); })
      .def("__iter__", [](EventLog& log) { return nb::iter(log.events); })
      .def("__getitem__",
           [](EventLog& log, nb::handle i) { return log.events.attr("__getitem__")(i); });
  g.def("collect_events", []() { return EventLog{}; },
        "Context manager collecting the evaluation events of its block: "
        "``with graph.collect_events() as log: ...``; then ``log.events``.");

  g.def("set_growth_warning",
        [](std::optional<size_t> threshold) {
          lx::events::set_growth_warning(threshold.value_or(0), &python_warn);
        },
        "threshold"_a.none(),
        "Warn (GraphGrowthWarning) when an evaluation is about to run more than "
        "``threshold`` primitives, naming the line that created most of them when "
        "sites are recorded. None turns it off.");
}
