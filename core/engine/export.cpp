#include "engine/export.h"

#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "engine/compile.h"
#include "engine/eval.h"
#include "engine/export_format.h"
#include "engine/io/io.h"
#include "engine/io/io_util.h"
#include "engine/ops.h"
#include "engine/primitives.h"
#include "engine/trace.h"
#include "engine/utils.h"

namespace lumex::core {

using detail::ByteReader;
using detail::ByteWriter;

namespace {

/// Every node the outputs depend on, inputs first: function inputs (by id) and
/// graph leaves end the walk. Iterative, so long chains are fine.
std::vector<array> tape_of(const std::vector<array>& outputs,
                           const std::unordered_set<uint64_t>& inputs) {
  std::vector<array> tape;
  std::unordered_set<uint64_t> done;
  std::vector<std::pair<array, bool>> stack;
  for (auto it = outputs.rbegin(); it != outputs.rend(); ++it) stack.emplace_back(*it, false);
  while (!stack.empty()) {
    auto [a, expanded] = std::move(stack.back());
    stack.pop_back();
    if (done.count(a.id())) continue;
    if (expanded || inputs.count(a.id()) || !a.has_primitive()) {
      done.insert(a.id());
      if (a.has_primitive() && !inputs.count(a.id())) {
        for (auto& o : detail::primitive_outputs(a)) done.insert(o.id());
      }
      tape.push_back(std::move(a));
      continue;
    }
    stack.emplace_back(a, true);
    auto ins = a.inputs();
    for (auto it = ins.rbegin(); it != ins.rend(); ++it) {
      if (!done.count(it->id())) stack.emplace_back(*it, false);
    }
  }
  return tape;
}

void put_ids(ByteWriter& w, const std::vector<array>& v) {
  w.put<uint64_t>(v.size());
  for (auto& a : v) w.put<uint64_t>(a.id());
}

std::string shape_text(const Shape& s) {
  // MLX prints "(2,3)" here (no spaces).
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + ")";
}

}  // namespace

FunctionExporter::FunctionExporter(std::string path, bool shapeless, std::string metadata)
    : path_(std::move(path)), shapeless_(shapeless), metadata_(std::move(metadata)) {
  write();
}

void FunctionExporter::write() const {
  ByteWriter w;
  w.put_string("lumex");  // MLX writes its version here and reads it without checking
  w.put<int32_t>(static_cast<int32_t>(traces_.size()));
  w.put_bool(shapeless_);
  w.put_string(metadata_);
  for (auto& t : traces_) w.put_bytes(t.data(), t.size());
  try {
    io::FileSink out(path_);
    out.write(w.bytes().data(), w.bytes().size());
    out.commit();
  } catch (const io::file_error&) {
    throw std::runtime_error("[export_function] Failed to open " + path_);
  }
}

void FunctionExporter::add(const ArrayFun& fun, const std::vector<array>& args,
                           const ExportKwargs& kwargs) {
  if (closed_) {
    throw std::runtime_error("[export_function] Attempting to write after exporting is closed.");
  }
  std::vector<array> inputs = args;
  std::vector<std::string> keys;
  for (auto& [k, v] : kwargs) {
    keys.push_back(k);
    inputs.push_back(v);
  }
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& x : inputs) {
    shapes.push_back(x.shape());
    dtypes.push_back(x.dtype());
  }
  // MLX keeps one trace per signature; a shapeless export matches on dtypes (and
  // ranks) alone.
  for (size_t i = 0; i < signatures_.size(); ++i) {
    auto& [s, d] = signatures_[i];
    bool same = d == dtypes && s.size() == shapes.size() && keys_[i] == keys;
    for (size_t k = 0; same && k < s.size(); ++k) {
      same = shapeless_ ? s[k].size() == shapes[k].size() : s[k] == shapes[k];
    }
    if (same) {
      throw std::runtime_error(
          "[export_function] Attempting to export a function twice with the same signature is "
          "not allowed.");
    }
  }

  std::vector<array> placeholders;
  std::unordered_set<uint64_t> ids;
  for (auto& x : inputs) {
    auto p = array(x.shape(), x.dtype(), std::make_shared<Placeholder>(to_stream({})), {});
    p.set_tracer(true);
    ids.insert(p.id());
    placeholders.push_back(std::move(p));
  }
  std::vector<array> outputs;
  {
    array::TracingScope tracing;
    outputs = fun(placeholders);
  }
  auto tape = tape_of(outputs, ids);
  // Constants (leaves other than the inputs) are written with their data.
  std::vector<array> leaves;
  for (auto& a : tape) {
    if (!ids.count(a.id()) && !a.has_primitive()) leaves.push_back(a);
  }
  for (auto& a : leaves) {
    if (!a.is_available()) eval({a});
  }

  std::unordered_map<uint64_t, array> fresh;  // constants first written by this trace
  ByteWriter w;
  w.put<uint64_t>(keys.size());
  for (auto& k : keys) w.put_string(k);
  put_ids(w, placeholders);
  w.put<uint64_t>(placeholders.size());
  for (auto& p : placeholders) {
    w.put_shape(p.shape());
    w.put_dtype(p.dtype());
  }
  put_ids(w, outputs);
  w.put<uint64_t>(tape.size());
  for (auto& a : tape) {
    w.put<uint64_t>(a.id());
    if (ids.count(a.id())) {
      w.put_bool(false);
      w.put_bool(false);
      continue;
    }
    if (!a.has_primitive()) {
      w.put_bool(false);
      w.put_bool(true);
      // A constant's data is written once per file (MLX's readers look earlier
      // traces' constants up by id); the exporter keeps it alive so the id stays its.
      if (constants_.count(a.id())) continue;
      fresh.emplace(a.id(), a);
      w.put_shape(a.shape());
      w.put_dtype(a.dtype());
      io::write_row_major(a, [&](const void* p, size_t n) { w.put_bytes(p, n); });
      continue;
    }
    w.put_bool(true);
    auto ins = a.inputs();
    auto order = detail::mlx_input_order(a.primitive());
    if (!order.empty()) {
      std::vector<array> mlx_ins;
      for (int k : order) mlx_ins.push_back(ins[k]);
      ins = std::move(mlx_ins);
    }
    put_ids(w, ins);
    detail::write_primitive(w, a.primitive());
    auto outs = detail::primitive_outputs(a);
    if (outs.size() == 1) {
      w.put<uint64_t>(0);
      w.put_shape(a.shape());
      w.put_dtype(a.dtype());
    } else {
      // MLX counts the siblings, the outputs other than this one.
      w.put<uint64_t>(outs.size() - 1);
      put_ids(w, outs);
      w.put<uint64_t>(outs.size());
      for (auto& o : outs) w.put_shape(o.shape());
      w.put<uint64_t>(outs.size());
      for (auto& o : outs) w.put_dtype(o.dtype());
    }
  }
  traces_.push_back(std::move(w.bytes()));
  signatures_.emplace_back(std::move(shapes), std::move(dtypes));
  keys_.push_back(std::move(keys));
  try {
    write();
  } catch (...) {
    traces_.pop_back();
    signatures_.pop_back();
    keys_.pop_back();
    throw;
  }
  constants_.merge(fresh);
}

namespace {

/// MLX broadcasts a single element (a Python scalar in `x * 2`) to the shape of the
/// op's other operand; lumex's elementwise kernels read single elements directly,
/// and a shapeless replay cannot resize a broadcast of a constant. Such a broadcast,
/// read only by elementwise ops and not returned, becomes an alias of its input.
void scalar_broadcasts_to_aliases(
    ExportedTrace& t, const std::unordered_map<uint64_t, std::pair<Shape, Dtype>>& known) {
  using Entry = ExportedTrace::Entry;
  std::unordered_map<uint64_t, bool> elementwise_readers;  // id -> all readers elementwise
  for (auto& e : t.tape) {
    for (auto id : e.in_ids) {
      bool ew = e.kind == Entry::Node && dynamic_cast<const Elementwise*>(e.prim.get());
      auto [it, first] = elementwise_readers.emplace(id, ew);
      if (!first) it->second = it->second && ew;
    }
  }
  for (auto id : t.output_ids) elementwise_readers.insert_or_assign(id, false);
  for (auto& e : t.tape) {
    if (e.kind != Entry::Node || e.in_ids.size() != 1 || e.out_ids.size() != 1 ||
        std::string(e.prim->name()) != "Broadcast") {
      continue;
    }
    auto in = known.find(e.in_ids[0]);
    auto r = elementwise_readers.find(e.id);
    if (in == known.end() || r == elementwise_readers.end() || !r->second) continue;
    size_t n = 1;
    for (auto d : in->second.first) n *= static_cast<size_t>(d);
    if (n == 1) e.kind = Entry::Alias;
  }
}

ExportedTrace read_trace(ByteReader& r, const io::ByteSource& src, bool shapeless,
                         std::unordered_map<uint64_t, array>& constants) {
  using Entry = ExportedTrace::Entry;
  ExportedTrace t;
  auto nkeys = r.get_count(8);
  for (uint64_t i = 0; i < nkeys; ++i) t.kwarg_keys.push_back(r.get_string());
  t.input_ids = r.get_vector<uint64_t>();
  auto n_in = r.get_count(13);
  if (n_in != t.input_ids.size() || nkeys > n_in) r.fail("Invalid function inputs in file.");
  std::unordered_map<uint64_t, std::pair<Shape, Dtype>> known;  // id -> shape, dtype
  for (uint64_t i = 0; i < n_in; ++i) {
    t.input_shapes.push_back(r.get_shape());
    t.input_dtypes.push_back(r.get_dtype());
    known.insert_or_assign(t.input_ids[i], std::make_pair(t.input_shapes.back(), t.input_dtypes.back()));
  }
  t.output_ids = r.get_vector<uint64_t>();
  auto n_tape = r.get_count(10);
  std::unordered_set<uint64_t> input_set(t.input_ids.begin(), t.input_ids.end());
  for (uint64_t i = 0; i < n_tape; ++i) {
    Entry e{Entry::Input, r.get<uint64_t>(), array(0.0f), nullptr, {}, {}, {}, {}};
    if (!r.get_bool()) {
      if (!r.get_bool()) {
        if (!input_set.count(e.id)) r.fail("Invalid tape entry in file.");
        t.tape.push_back(std::move(e));
        continue;
      }
      e.kind = Entry::Constant;
      auto c = constants.find(e.id);
      if (c == constants.end()) {
        auto shape = r.get_shape();
        auto dtype = r.get_dtype();
        size_t n = dtype.size;
        for (auto d : shape) {
          if (d != 0 && n > r.left() / static_cast<size_t>(d)) r.fail("Invalid constant size.");
          n *= static_cast<size_t>(d);
        }
        auto offset = r.pos();
        r.take(n);
        // A view of the mapped file where the data is aligned, else a copy.
        c = constants.emplace(e.id, io::make_array(src, offset, shape, dtype)).first;
      }
      e.constant = c->second;
      known.insert_or_assign(e.id, std::make_pair(e.constant.shape(), e.constant.dtype()));
      t.tape.push_back(std::move(e));
      continue;
    }
    e.kind = Entry::Node;
    e.in_ids = r.get_vector<uint64_t>();
    std::vector<Shape> in_shapes;
    for (auto id : e.in_ids) {
      auto k = known.find(id);
      if (k == known.end()) r.fail("Invalid tape entry in file (an input is read before it is made).");
      in_shapes.push_back(k->second.first);
    }
    auto prim = detail::read_primitive(r, in_shapes);
    if (!prim.input_order.empty()) {
      std::vector<uint64_t> ids;
      for (int k : prim.input_order) {
        if (k >= static_cast<int>(e.in_ids.size())) r.fail("Invalid tape entry in file.");
        ids.push_back(e.in_ids[k]);
      }
      e.in_ids = std::move(ids);
    }
    auto nsib = r.get<uint64_t>();
    if (nsib == 0) {
      e.out_ids = {e.id};
      e.shapes = {r.get_shape()};
      e.dtypes = {r.get_dtype()};
    } else {
      e.out_ids = r.get_vector<uint64_t>();
      auto ns = r.get_count(8);
      for (uint64_t k = 0; k < ns; ++k) e.shapes.push_back(r.get_shape());
      auto nd = r.get_count(5);
      for (uint64_t k = 0; k < nd; ++k) e.dtypes.push_back(r.get_dtype());
      if (nsib > 1000000 || e.out_ids.size() != nsib + 1 || e.shapes.size() != nsib + 1 ||
          e.dtypes.size() != nsib + 1) {
        r.fail("Invalid tape entry in file.");
      }
      // MLX may list a primitive once per output it uses: the first entry made them all.
      bool made = true;
      for (auto id : e.out_ids) made = made && known.count(id);
      if (made) continue;
    }
    if (prim.reshape) {
      if (e.out_ids.size() != 1 || in_shapes.size() != 1) r.fail("Invalid tape entry in file.");
      prim.prim = make_primitive("Reshape", default_stream(default_device()),
                                 {{"shape", param_text(std::vector<int64_t>(e.shapes[0].begin(), e.shapes[0].end()))}});
    }
    if (prim.split) {
      // MLX's Split: one Slice per output, along the axis.
      if (in_shapes.size() != 1) r.fail("Invalid tape entry in file.");
      auto& in = in_shapes[0];
      int nd = static_cast<int>(in.size());
      int ax = prim.split_axis < 0 ? prim.split_axis + nd : prim.split_axis;
      if (ax < 0 || ax >= nd || e.out_ids.size() != prim.split_indices.size() + 1) {
        r.fail("Invalid state for primitive Split.");
      }
      int64_t start = 0;
      for (size_t k = 0; k < e.out_ids.size(); ++k) {
        int64_t stop = k < prim.split_indices.size() ? prim.split_indices[k] : in[ax];
        std::vector<int64_t> lo(nd, 0), hi(in.begin(), in.end()), st(nd, 1);
        lo[ax] = std::min<int64_t>(std::max<int64_t>(start, 0), in[ax]);
        hi[ax] = std::max<int64_t>(lo[ax], std::min<int64_t>(stop, in[ax]));
        Entry s{Entry::Node, e.out_ids[k], array(0.0f), nullptr, e.in_ids, {e.out_ids[k]},
                {e.shapes[k]}, {e.dtypes[k]}};
        try {
          s.prim = make_primitive("Slice", default_stream(default_device()),
                                  {{"start", param_text(lo)}, {"stop", param_text(hi)},
                                   {"strides", param_text(st)}});
        } catch (const std::invalid_argument&) {
          r.fail("Invalid state for primitive Split.");
        }
        known.insert_or_assign(e.out_ids[k], std::make_pair(e.shapes[k], e.dtypes[k]));
        t.tape.push_back(std::move(s));
        start = stop;
      }
      continue;
    }
    if (prim.input_order.size() == 1 && std::string(prim.prim->name()) == "Broadcast" &&
        e.shapes.size() == 1 && in_shapes[0] == e.shapes[0]) {
      // A shapeless MLX export broadcasts values to the shape they already have.
      e.kind = Entry::Alias;
      known.insert_or_assign(e.id, std::make_pair(e.shapes[0], e.dtypes[0]));
      t.tape.push_back(std::move(e));
      continue;
    }
    e.prim = std::move(prim.prim);
    for (size_t k = 0; k < e.out_ids.size(); ++k) {
      known.insert_or_assign(e.out_ids[k], std::make_pair(e.shapes[k], e.dtypes[k]));
    }
    t.tape.push_back(std::move(e));
  }
  for (auto id : t.output_ids) {
    if (!known.count(id)) r.fail("Invalid function outputs in file.");
  }
  if (shapeless) scalar_broadcasts_to_aliases(t, known);
  return t;
}

[[noreturn]] void invalid_entry(const Primitive& p, const char* why) {
  throw std::runtime_error(
      msg("[import_function] Invalid tape entry in file (", p.name(), ": ", why, ")."));
}

// How many inputs the kernels of the primitives MLX encodes read (-1: at least one).
const std::unordered_map<std::string, int>& arity() {
  static const std::unordered_map<std::string, int> n{
      {"All", 1}, {"Any", 1}, {"Sum", 1}, {"Prod", 1}, {"Min", 1}, {"Max", 1},
      {"ArgMin", 1}, {"ArgMax", 1}, {"CumSum", 1}, {"CumProd", 1}, {"CumMin", 1},
      {"CumMax", 1}, {"Softmax", 1}, {"LogSumExp", 1}, {"Matmul", 2}, {"AddMM", 3},
      {"Arange", 0}, {"Partition", 1}, {"ArgPartition", 1}, {"Sort", 1}, {"ArgSort", 1},
      {"Concatenate", -1}, {"GatherAxis", 2}, {"ScatterAxis", 3}, {"View", 1},
      {"Broadcast", 1}, {"Reshape", 1}, {"Transpose", 1}, {"Slice", 1}, {"SliceUpdate", 2},
      {"AsStrided", 1}, {"Pad", 2}, {"Gather", -1}, {"Scatter", -1}, {"RandomBits", 1},
      {"Hadamard", 1}, {"Convolution", 2}, {"Full", 1}, {"Contiguous", 1}, {"DivMod", 2}};
  return n;
}

/// The parameters the kernels trust (axes in range, matching shapes), for the
/// primitives MLX encodes; `outs` are the recorded output shapes.
void check_parameters(const Primitive& p, const std::string& name, const PrimitiveParams& params,
                      const std::vector<array>& ins, const std::vector<Shape>& outs,
                      const std::vector<Dtype>& dtypes) {
  auto bad = [&](const char* why) { invalid_entry(p, why); };
  ParamReader r(name, params);
  const Shape& in = ins.empty() ? outs[0] : ins[0].shape();
  auto nd = static_cast<int64_t>(in.size());
  auto axis_ok = [&](int64_t a) { return a >= 0 && a < nd; };
  if (r.has("axis") && !axis_ok(r.integer("axis"))) bad("axis");
  if (r.has("kth")) {
    auto k = r.integer("kth");
    if (k < 0 || k >= in[r.integer("axis")]) bad("kth");
  }
  if (r.has("axes")) {
    auto axes = r.ints("axes");
    std::vector<bool> seen(in.size(), false);
    for (auto a : axes) {
      if (!axis_ok(a) || seen[a]) bad("axes");
      seen[a] = true;
    }
    if (name == "Transpose" && axes.size() != in.size()) bad("axes");
  }
  auto same_rank = [&](const array& x) {
    if (x.ndim() != nd) bad("input shapes");
  };
  if (name == "Matmul" || name == "AddMM") {
    auto& a = ins[name == "AddMM" ? 1 : 0].shape();
    auto& b = ins[name == "AddMM" ? 2 : 1].shape();
    auto& o = outs[0];
    if (a.size() < 2 || b.size() != a.size() || o.size() != a.size()) bad("input shapes");
    auto k = a.size();
    for (size_t i = 0; i + 2 < k; ++i) {
      if (a[i] != b[i] || a[i] != o[i]) bad("input shapes");
    }
    if (a[k - 1] != b[k - 2] || o[k - 2] != a[k - 2] || o[k - 1] != b[k - 1]) bad("input shapes");
    if (name == "AddMM" && ins[0].shape() != o) bad("input shapes");
  } else if (name == "Concatenate") {
    auto ax = r.integer("axis");
    int64_t total = 0;
    for (auto& x : ins) {
      same_rank(x);
      for (int64_t i = 0; i < nd; ++i) {
        if (i != ax && x.shape()[i] != outs[0][i]) bad("input shapes");
      }
      total += x.shape()[ax];
    }
    if (outs[0].size() != in.size() || total != outs[0][ax]) bad("output shape");
  } else if (name == "Pad") {
    auto lo = r.ints("low"), hi = r.ints("high");
    if (lo.size() != in.size() || hi.size() != in.size() || outs[0].size() != in.size() ||
        ins[1].size() != 1 || ins[1].dtype() != ins[0].dtype()) {
      bad("parameters");
    }
    for (size_t i = 0; i < in.size(); ++i) {
      if (lo[i] < 0 || hi[i] < 0 || in[i] + lo[i] + hi[i] != outs[0][i]) bad("parameters");
    }
  } else if (name == "AsStrided") {
    auto shape = r.ints("shape"), strides = r.ints("strides");
    auto offset = r.integer("offset");
    if (shape.size() != strides.size() || Shape(shape.begin(), shape.end()) != outs[0]) {
      bad("parameters");
    }
    int64_t last = offset, n = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      n *= shape[i];
      if (strides[i] < 0) bad("parameters");
      last += (shape[i] - 1) * strides[i];
    }
    if (n > 0 && (offset < 0 || last >= static_cast<int64_t>(ins[0].size()))) bad("parameters");
  } else if (name == "Gather") {
    auto axes = r.ints("axes");
    auto sizes = r.ints("slice_sizes");
    if (ins.size() != axes.size() + 1 || sizes.size() != in.size()) bad("parameters");
    Shape expect = ins.size() > 1 ? ins[1].shape() : Shape{};
    for (size_t i = 1; i < ins.size(); ++i) {
      if (ins[i].shape() != expect || !is_integral(ins[i].dtype())) bad("indices");
    }
    for (size_t i = 0; i < in.size(); ++i) {
      if (sizes[i] < 0 || sizes[i] > in[i]) bad("slice sizes");
      expect.push_back(sizes[i]);
    }
    if (outs[0] != expect) bad("output shape");
  } else if (name == "Scatter") {
    auto axes = r.ints("axes");
    if (ins.size() != axes.size() + 2) bad("parameters");
    auto& upd = ins.back().shape();
    Shape idx = ins.size() > 2 ? ins[1].shape() : Shape{};
    for (size_t i = 1; i + 1 < ins.size(); ++i) {
      if (ins[i].shape() != idx || !is_integral(ins[i].dtype())) bad("indices");
    }
    if (upd.size() != idx.size() + in.size() || ins.back().dtype() != ins[0].dtype()) {
      bad("updates");
    }
    for (size_t i = 0; i < idx.size(); ++i) {
      if (upd[i] != idx[i]) bad("updates");
    }
    for (size_t i = 0; i < in.size(); ++i) {
      if (upd[idx.size() + i] > in[i]) bad("updates");
    }
  } else if (name == "GatherAxis" || name == "ScatterAxis") {
    same_rank(ins[1]);
    if (!is_integral(ins[1].dtype())) bad("indices");
    if (name == "GatherAxis" && outs[0] != ins[1].shape()) bad("output shape");
    if (name == "ScatterAxis" && (ins[2].shape() != ins[1].shape() ||
                                   ins[2].dtype() != ins[0].dtype())) {
      bad("updates");
    }
    auto ax = r.integer("axis");
    for (int64_t i = 0; i < nd; ++i) {
      if (i != ax && ins[1].shape()[i] > in[i]) bad("indices");
    }
  } else if (name == "SliceUpdate") {
    same_rank(ins[1]);
    if (ins[1].dtype() != ins[0].dtype()) bad("updates");
  } else if (name == "LogSumExp" || name == "ArgMin" || name == "ArgMax") {
    // The reduced axis is kept with size 1.
    auto ax = name == "LogSumExp" ? nd - 1 : r.integer("axis");
    if (nd == 0 || outs[0].size() != in.size()) bad("output shape");
    for (int64_t i = 0; i < nd; ++i) {
      if (outs[0][i] != (i == ax ? 1 : in[i])) bad("output shape");
    }
  } else if (name == "Hadamard") {
    if (in.empty()) bad("input shape");
    auto n = in.back();
    while (n > 1 && n % 2 == 0) n /= 2;
    if (n != 1 && n != 12 && n != 20 && n != 28) bad("input shape");
  } else if (name == "RandomBits") {
    if (ins[0].dtype() != uint32 || ins[0].size() < 2 || ins[0].shape().back() != 2) bad("key");
  } else if (name == "Convolution") {
    // Rebuilt with the op, which checks every size; the node must be what it makes.
    auto vec = [&](const char* k) {
      auto v = r.ints(k);
      return std::vector<int>(v.begin(), v.end());
    };
    if (ins[1].ndim() != nd || nd < 3) bad("input shapes");
    std::optional<array> ref;
    try {
      ref = conv_general(ins[0], ins[1], vec("stride"), vec("padding_lo"), vec("padding_hi"),
                         vec("kernel_dilation"), vec("input_dilation"),
                         static_cast<int>(r.integer("groups")), r.flag("flip"));
    } catch (const std::exception&) {
      bad("parameters");
    }
    if (ref->shape() != outs[0] || ref->dtype() != dtypes[0]) bad("output shape");
  }
}

/// Checks that the kernels can run `e` on inputs shaped and typed like `ins`: an
/// elementwise op applied to them makes this very node; other primitives' inputs
/// count, output shapes (where the class computes them) and dtypes are checked.
/// A file whose bytes were altered must raise here, not crash in a kernel.
void check_node(const ExportedTrace::Entry& e, const std::vector<array>& ins) {
  auto& p = *e.prim;
  std::string name = p.name();
  auto params = p.params();
  for (auto& s : e.shapes) {
    // Output sizes and their byte counts must fit (the array checks them too).
    size_t n = 1;
    for (auto d : s) {
      if (d != 0 && n > (size_t{1} << 46) / static_cast<size_t>(d)) invalid_entry(p, "output size");
      n *= static_cast<size_t>(d);
    }
  }
  if (name == "AsType") {
    if (ins.size() != 1 || e.shapes[0] != ins[0].shape()) invalid_entry(p, "shapes");
    if (ParamReader(name, params).dtype("dtype") != e.dtypes[0]) invalid_entry(p, "dtype");
    return;
  }
  if (auto* ew = dynamic_cast<const Elementwise*>(&p)) {
    if (ins.empty() || ins.size() > 3 || e.shapes.size() != 1) invalid_entry(p, "inputs");
    auto padded = ins;
    while (padded.size() < 3) padded.push_back(ins[0]);
    std::optional<array> ref;
    try {
      ref = ew->apply(padded);
    } catch (const std::exception&) {
      invalid_entry(p, "inputs");
    }
    if (!ref->has_primitive() || std::strcmp(ref->primitive().name(), p.name()) != 0 ||
        ref->inputs().size() != ins.size()) {
      invalid_entry(p, "inputs");
    }
    for (size_t k = 0; k < ins.size(); ++k) {
      if (ref->inputs()[k].id() != ins[k].id()) invalid_entry(p, "input shapes or dtypes");
    }
    if (ref->shape() != e.shapes[0] || ref->dtype() != e.dtypes[0]) invalid_entry(p, "output");
    return;
  }
  auto n = arity().find(name);
  if (n == arity().end()) return;  // lumex's own encoding: rebuilt from its parameters
  if (n->second >= 0 ? ins.size() != static_cast<size_t>(n->second) : ins.empty()) {
    invalid_entry(p, "number of inputs");
  }
  if (name != "DivMod" && e.shapes.size() != 1) invalid_entry(p, "number of outputs");
  check_parameters(p, name, params, ins, e.shapes, e.dtypes);
  if (!ins.empty()) {
    std::vector<Shape> shapes;
    try {
      shapes = p.output_shapes(ins);
    } catch (const std::exception&) {
      invalid_entry(p, "output shape");
    }
    if (!shapes.empty() && shapes != e.shapes) invalid_entry(p, "output shape");
  }
  static const std::unordered_set<std::string> same_shape{
      "Softmax", "CumSum", "CumProd", "CumMin", "CumMax", "Sort", "ArgSort", "Partition",
      "ArgPartition", "Full", "Contiguous", "Hadamard", "DivMod", "SliceUpdate",
      "ScatterAxis", "Scatter"};
  if (same_shape.count(name)) {
    for (auto& s : e.shapes) {
      if (s != ins[0].shape()) invalid_entry(p, "output shape");
    }
  }
  static const std::unordered_set<std::string> indices{"ArgSort", "ArgPartition", "ArgMin",
                                                        "ArgMax"};
  static const std::unordered_set<std::string> same_dtype{
      "Sum", "Prod", "Min", "Max", "CumSum", "CumProd", "CumMin", "CumMax", "Softmax",
      "LogSumExp", "Matmul", "AddMM", "Partition", "Sort", "Broadcast", "Reshape",
      "Transpose", "Slice", "SliceUpdate", "AsStrided", "Pad", "Gather", "Scatter",
      "ScatterAxis", "GatherAxis", "Full", "Contiguous", "Hadamard", "Convolution",
      "Concatenate"};
  if (indices.count(name) && e.dtypes[0] != uint32) invalid_entry(p, "dtype");
  if ((name == "All" || name == "Any") && e.dtypes[0] != bool_) invalid_entry(p, "dtype");
  if (same_dtype.count(name) && e.dtypes[0] != ins[0].dtype()) invalid_entry(p, "dtype");
  if (name == "Matmul" || name == "AddMM" || name == "Convolution" || name == "Concatenate" ||
      name == "Pad" || name == "SliceUpdate") {
    for (auto& x : ins) {
      if (x.dtype() != ins[0].dtype()) invalid_entry(p, "input dtypes");
    }
  }
  if (name == "Slice" || name == "SliceUpdate") {
    // The kernels read (write) from start by step, as many as the slice's shape holds.
    ParamReader r(name, params);
    auto start = r.ints("start"), strides = r.ints("strides");
    auto& in = ins[0].shape();
    auto& len = name == "Slice" ? e.shapes[0] : ins[1].shape();
    if (start.size() != in.size() || strides.size() != in.size() || len.size() != in.size()) {
      invalid_entry(p, "parameters");
    }
    for (size_t k = 0; k < in.size(); ++k) {
      if (len[k] == 0) continue;
      auto last = start[k] + (len[k] - 1) * strides[k];
      if (start[k] < 0 || start[k] >= in[k] || last < 0 || last >= in[k]) {
        invalid_entry(p, "parameters");
      }
    }
  }
  if (name == "View" && e.shapes[0].size() == ins[0].shape().size()) {
    size_t a = ins[0].nbytes(), b = e.dtypes[0].size;
    for (auto d : e.shapes[0]) b *= static_cast<size_t>(d);
    if (a != b) invalid_entry(p, "output shape");
  }
}

}  // namespace

ImportedFunction::ImportedFunction(const std::string& path) {
  io::ByteSource src;
  try {
    src = io::map_file(path);
  } catch (const io::file_error&) {
    throw std::runtime_error("[import_function] Failed to open " + path);
  }
  ByteReader r(src.data, src.size, "import_function");
  version_ = r.get_string();
  auto count = r.get<int32_t>();
  shapeless_ = r.get_bool();
  metadata_ = r.get_string();
  if (count < 0) r.fail("Invalid function count in file.");
  std::unordered_map<uint64_t, array> constants;
  for (int32_t i = 0; i < count; ++i) traces_.push_back(read_trace(r, src, shapeless_, constants));
  compiled_.resize(traces_.size());
  // Build each trace once on stand-ins of its inputs, checking every node.
  for (auto& t : traces_) {
    std::vector<array> standins;
    for (size_t i = 0; i < t.input_ids.size(); ++i) {
      standins.push_back(array(t.input_shapes[i], t.input_dtypes[i],
                               std::make_shared<Placeholder>(to_stream({})), {}));
    }
    replay_trace(t, standins, true);
  }
}

std::vector<array> replay_trace(const ExportedTrace& t, const std::vector<array>& inputs,
                                bool check) {
  std::unordered_map<uint64_t, array> made;
  for (size_t i = 0; i < inputs.size(); ++i) made.insert_or_assign(t.input_ids[i], inputs[i]);
  std::vector<array> ins;
  for (auto& e : t.tape) {
    if (e.kind == ExportedTrace::Entry::Input) continue;
    if (e.kind == ExportedTrace::Entry::Alias) {
      made.insert_or_assign(e.id, made.at(e.in_ids[0]));
      continue;
    }
    if (e.kind == ExportedTrace::Entry::Constant) {
      made.insert_or_assign(e.id, e.constant);
      continue;
    }
    ins.clear();
    for (auto id : e.in_ids) ins.push_back(made.at(id));
    if (check) check_node(e, ins);
    if (e.out_ids.size() == 1) {
      made.insert_or_assign(e.out_ids[0], array(e.shapes[0], e.dtypes[0], e.prim, ins));
      continue;
    }
    auto outs = array::make_arrays(e.shapes, e.dtypes, e.prim, ins);
    for (size_t k = 0; k < outs.size(); ++k) made.insert_or_assign(e.out_ids[k], outs[k]);
  }
  std::vector<array> out;
  for (auto id : t.output_ids) out.push_back(made.at(id));
  return out;
}

const ExportedTrace* ImportedFunction::find(const std::vector<array>& args,
                                            const ExportKwargs& kwargs) const {
  for (auto& t : traces_) {
    if (t.input_ids.size() != args.size() + kwargs.size()) continue;
    bool ok = true;
    for (auto& k : t.kwarg_keys) ok = ok && kwargs.count(k);
    // As MLX: positional inputs, then keyword inputs in key order.
    size_t i = 0;
    auto match = [&](const array& x) {
      bool m = x.dtype() == t.input_dtypes[i] &&
               (shapeless_ ? x.ndim() == static_cast<int>(t.input_shapes[i].size())
                           : x.shape() == t.input_shapes[i]);
      ++i;
      return m;
    };
    for (auto& a : args) ok = match(a) && ok;
    for (auto& [_, v] : kwargs) ok = match(v) && ok;
    if (ok) return &t;
  }
  return nullptr;
}

std::vector<array> ImportedFunction::operator()(const std::vector<array>& args,
                                                const ExportKwargs& kwargs) const {
  auto* t = find(args, kwargs);
  if (!t) {
    std::ostringstream m;
    m << "[import_function::call] No imported function found which matches the given "
         "positional and keyword arguments. Possible functions include:\n";
    int n = 1;
    for (auto& f : traces_) {
      auto npos = f.num_args();
      m << " " << n++ << ". Function with " << npos << " positional inputs and "
        << f.kwarg_keys.size() << " keyword inputs:\n";
      for (size_t j = 0; j < f.input_ids.size(); ++j) {
        if (j < npos) {
          m << "   " << j + 1 << ": ";
        } else {
          m << "   \"" << f.kwarg_keys[j - npos] << "\": ";
        }
        m << shape_text(f.input_shapes[j]) << " " << dtype_name(f.input_dtypes[j]) << "\n";
      }
    }
    m << "\nCalled with " << args.size() << " positional inputs and " << kwargs.size()
      << " keyword inputs:\n";
    for (size_t i = 0; i < args.size(); ++i) {
      m << "  " << i + 1 << ": " << shape_text(args[i].shape()) << " "
        << dtype_name(args[i].dtype()) << "\n";
    }
    for (auto& [k, v] : kwargs) {
      m << "  \"" << k << "\": " << shape_text(v.shape()) << " " << dtype_name(v.dtype()) << "\n";
    }
    throw std::invalid_argument(m.str());
  }
  std::vector<array> inputs = args;
  for (auto& [_, v] : kwargs) inputs.push_back(v);
  bool same = true;
  for (size_t i = 0; i < inputs.size() && same; ++i) same = inputs[i].shape() == t->input_shapes[i];
  if (same) return replay_trace(*t, inputs);
  // Other sizes (a shapeless export): compile's shapeless replay resizes the trace.
  std::shared_ptr<CompiledGraph> graph;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = compiled_[t - traces_.data()];
    if (!slot) {
      std::vector<array> examples;
      for (size_t i = 0; i < inputs.size(); ++i) {
        examples.push_back(array::empty_buffer(t->input_shapes[i], t->input_dtypes[i]));
      }
      slot = std::make_shared<CompiledGraph>(
          [t](const std::vector<array>& in) { return replay_trace(*t, in); }, examples);
    }
    graph = slot;
  }
  auto out = graph->replay_shapeless(inputs);
  if (!out) {
    std::string shapes;
    for (auto& x : inputs) shapes += (shapes.empty() ? "" : ", ") + shape_text(x.shape());
    throw std::invalid_argument(
        "[import_function::call] The shapeless function cannot be replayed for inputs of "
        "shapes " + shapes + ": a step of its trace depends on the traced shapes.");
  }
  return *out;
}

}  // namespace lumex::core
