// Primitive states in MLX's `.mlxfn` encoding (export_format.h), both ways. MLX writes
// a primitive's constructor arguments in order; enums are int32 in MLX's declaration
// order, which the tables below spell out. Names not listed here are written as
// "lumex.<Name>" with their params() text, which only lumex reads.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "engine/device.h"
#include "engine/export_format.h"
#include "engine/primitives/params.h"
#include "engine/utils.h"

namespace lumex::core::detail {

void ByteWriter::put_shape(const Shape& s) {
  put<uint64_t>(s.size());
  for (auto d : s) put<int32_t>(static_cast<int32_t>(d));
}

void ByteReader::need(size_t n) const {
  if (n > left()) fail(msg("Unable to read ", n, " bytes from file."));
}

void ByteReader::fail(const std::string& what) const {
  throw std::runtime_error(msg("[", who_, "] ", what));
}

bool ByteReader::get_bool() {
  auto b = get<uint8_t>();
  if (b > 1) fail("Invalid boolean in file.");
  return b == 1;
}

uint64_t ByteReader::get_count(size_t min_item) {
  auto n = get<uint64_t>();
  if (min_item > 0 && n > left() / min_item) fail("Invalid vector size.");
  return n;
}

std::string ByteReader::get_string() {
  auto n = get<uint64_t>();
  if (n > left()) fail("Invalid string size.");
  return std::string(take(n), n);
}

Shape ByteReader::get_shape() {
  auto v = get_vector<int32_t>();
  Shape s;
  for (auto d : v) {
    if (d < 0) fail("Invalid shape in file.");
    s.push_back(d);
  }
  return s;
}

Dtype ByteReader::get_dtype() {
  auto v = get<int32_t>();
  auto size = get<uint8_t>();
  if (v < 0 || v > static_cast<int32_t>(Dtype::Val::complex64)) fail("Invalid dtype in file.");
  auto d = dtype_from_val(static_cast<Dtype::Val>(v));
  if (d.size != size) fail("Invalid dtype in file.");
  return d;
}

namespace {

// MLX's enums, in MLX's order.
const std::vector<std::string> kMlxReduce{"All", "Any", "Sum", "Prod", "Min", "Max"};
const std::vector<std::string> kMlxArgReduce{"ArgMin", "ArgMax"};
const std::vector<std::string> kMlxScan{"CumMax", "CumMin", "CumSum", "CumProd"};
const std::vector<std::string> kMlxScatter{"max", "min", "sum", "prod", "none"};
const std::vector<std::string> kMlxScatterAxis{"sum", "none"};
const std::vector<std::string> kMlxBitwise{"BitwiseAnd", "BitwiseOr", "BitwiseXor", "LeftShift",
                                           "RightShift"};
const std::vector<std::string> kMlxLog{"Log2", "Log10", "Log"};

// Primitives both sides name alike and construct from the stream alone.
const std::unordered_set<std::string>& stateless() {
  static const std::unordered_set<std::string> names{
      "Abs", "Add", "ArcCos", "ArcCosh", "ArcSin", "ArcSinh", "ArcTan", "ArcTan2", "ArcTanh",
      "Ceil", "Conjugate", "Cos", "Cosh", "Divide", "DivMod", "Erf", "ErfInv", "Exp", "Expm1",
      "Floor", "Full", "Greater", "GreaterEqual", "Imag", "Less", "LessEqual", "Log1p",
      "LogicalNot", "LogicalAnd", "LogicalOr", "LogAddExp", "LogSumExp", "Matmul", "Maximum",
      "Minimum", "Multiply", "Negative", "NotEqual", "Power", "Real", "Remainder", "Round",
      "Select", "Sigmoid", "Sign", "Sin", "Sinh", "Square", "StopGradient", "Subtract", "Tan",
      "Tanh"};
  return names;
}

int index_of(const std::vector<std::string>& names, const std::string& n) {
  auto it = std::find(names.begin(), names.end(), n);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

void put_ints(ByteWriter& w, const std::vector<int64_t>& v) {
  w.put<uint64_t>(v.size());
  for (auto x : v) w.put<int32_t>(static_cast<int32_t>(x));
}

/// Writes `p`'s MLX name and state; false when MLX has no encoding for it.
bool write_mlx(ByteWriter& w, const Primitive& p) {
  std::string name = p.name();
  auto params = p.params();
  ParamReader r(name, params);
  auto head = [&](const char* mlx_name) { w.put_string(mlx_name); };
  if (stateless().count(name) && params.empty()) {
    head(name.c_str());
    return true;
  }
  if (int k = index_of(kMlxReduce, name); k >= 0) {
    head("Reduce");
    w.put<int32_t>(k);
    put_ints(w, r.ints("axes"));
  } else if (int k = index_of(kMlxArgReduce, name); k >= 0) {
    head("ArgReduce");
    w.put<int32_t>(k);
    w.put<int32_t>(static_cast<int32_t>(r.integer("axis")));
  } else if (int k = index_of(kMlxScan, name); k >= 0) {
    head("Scan");
    w.put<int32_t>(k);
    w.put<int32_t>(static_cast<int32_t>(r.integer("axis")));
    w.put_bool(r.flag("reverse"));
    w.put_bool(r.flag("inclusive"));
  } else if (int k = index_of(kMlxBitwise, name); k >= 0) {
    head("BitwiseBinary");
    w.put<int32_t>(k);
  } else if (int k = index_of(kMlxLog, name); k >= 0) {
    head("Log");
    w.put<int32_t>(k);
  } else if (name == "Sqrt" || name == "Rsqrt") {
    head("Sqrt");
    w.put_bool(name == "Rsqrt");
  } else if (name == "Equal" || name == "NaNEqual") {
    head("Equal");
    w.put_bool(r.flag("equal_nan"));
  } else if (name == "Softmax") {
    head("Softmax");
    w.put_bool(r.flag("precise"));
  } else if (name == "AddMM") {
    head("AddMM");
    w.put<float>(static_cast<float>(r.real("alpha")));
    w.put<float>(static_cast<float>(r.real("beta")));
  } else if (name == "Arange") {
    head("Arange");
    w.put<double>(r.real("start"));
    w.put<double>(r.real("stop"));
    w.put<double>(r.real("step"));
  } else if (name == "Partition" || name == "ArgPartition") {
    head(name.c_str());
    w.put<int32_t>(static_cast<int32_t>(r.integer("kth")));
    w.put<int32_t>(static_cast<int32_t>(r.integer("axis")));
  } else if (name == "Sort" || name == "ArgSort" || name == "Concatenate" ||
             name == "GatherAxis") {
    head(name.c_str());
    w.put<int32_t>(static_cast<int32_t>(r.integer("axis")));
  } else if (name == "AsType" || name == "View") {
    head(name.c_str());
    w.put_dtype(r.dtype("dtype"));
  } else if (name == "Broadcast" || name == "Reshape") {
    head(name.c_str());
    put_ints(w, r.ints("shape"));
  } else if (name == "Transpose") {
    head("Transpose");
    put_ints(w, r.ints("axes"));
  } else if (name == "Slice") {
    head("Slice");
    put_ints(w, r.ints("start"));
    put_ints(w, r.ints("stop"));
    put_ints(w, r.ints("strides"));
  } else if (name == "SliceUpdate") {
    head("SliceUpdate");
    w.put<int32_t>(4);  // MLX's reduce type: none (an assignment)
    put_ints(w, r.ints("start"));
    put_ints(w, r.ints("stop"));
    put_ints(w, r.ints("strides"));
  } else if (name == "AsStrided") {
    head("AsStrided");
    put_ints(w, r.ints("shape"));
    w.put_vector<int64_t>(r.ints("strides"));
    w.put<uint64_t>(static_cast<uint64_t>(r.integer("offset")));
  } else if (name == "Pad") {
    auto low = r.ints("low");
    std::vector<int64_t> axes(low.size());
    for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
    head("Pad");
    put_ints(w, axes);
    put_ints(w, low);
    put_ints(w, r.ints("high"));
  } else if (name == "Gather") {
    head("Gather");
    put_ints(w, r.ints("axes"));
    put_ints(w, r.ints("slice_sizes"));
  } else if (name == "Scatter") {
    head("Scatter");
    w.put<int32_t>(index_of(kMlxScatter, r.text("reduce")));
    put_ints(w, r.ints("axes"));
  } else if (name == "ScatterAxis" && index_of(kMlxScatterAxis, r.text("reduce")) >= 0) {
    head("ScatterAxis");
    w.put<int32_t>(index_of(kMlxScatterAxis, r.text("reduce")));
    w.put<int32_t>(static_cast<int32_t>(r.integer("axis")));
  } else if (name == "RandomBits") {
    head("RandomBits");
    put_ints(w, r.ints("shape"));
    w.put<int32_t>(static_cast<int32_t>(r.integer("width")));
  } else if (name == "Hadamard" && !r.flag("transpose")) {
    head("Hadamard");
    w.put<float>(static_cast<float>(r.real("scale")));
  } else if (name == "Convolution") {
    head("Convolution");
    for (auto key : {"stride", "padding_lo", "padding_hi", "kernel_dilation", "input_dilation"}) {
      put_ints(w, r.ints(key));
    }
    w.put<int32_t>(static_cast<int32_t>(r.integer("groups")));
    w.put_bool(r.flag("flip"));
  } else {
    return false;
  }
  return true;
}

std::string ints_text(const std::vector<int32_t>& v) {
  return param_text(std::vector<int64_t>(v.begin(), v.end()));
}

int32_t get_enum(ByteReader& r, const std::vector<std::string>& names, const std::string& prim) {
  auto k = r.get<int32_t>();
  if (k < 0 || k >= static_cast<int32_t>(names.size())) {
    r.fail(msg("Invalid state for primitive ", prim, "."));
  }
  return k;
}

}  // namespace

std::vector<int> mlx_input_order(const Primitive& p) {
  // lumex's AddMM reads (c, a, b), MLX's (a, b, c).
  if (std::string(p.name()) == "AddMM") return {1, 2, 0};
  return {};
}

void write_primitive(ByteWriter& w, const Primitive& p) {
  // Stream: MLX's CPU stream 0 (lumex has one stream per device, its streams are
  // not MLX's, and MLX refuses an index it does not have).
  w.put<int32_t>(0);
  w.put<int32_t>(0);
  w.put<int32_t>(0);
  if (write_mlx(w, p)) return;
  std::string name = p.name();
  auto params = p.params();
  // Only what make_primitive rebuilds exactly can be written in lumex's encoding.
  try {
    make_primitive(name, default_stream(default_device()), params);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("[export_function] Unable to serialize primitive " + name + ".");
  }
  w.put_string("lumex." + name);
  w.put<uint64_t>(params.size());
  for (auto& [k, v] : params) {
    w.put_string(k);
    w.put_string(v);
  }
}

ReadPrimitive read_primitive(ByteReader& r, const std::vector<Shape>& input_shapes) {
  r.get<int32_t>();  // the stream: lumex replays on its default stream
  auto dev_type = r.get<int32_t>();
  r.get<int32_t>();
  if (dev_type < 0 || dev_type > 1) r.fail("Invalid stream encountered.");
  auto name = r.get_string();
  auto s = default_stream(default_device());
  ReadPrimitive out;
  auto make = [&](const std::string& n, PrimitiveParams params) {
    try {
      out.prim = make_primitive(n, s, params);
    } catch (const std::invalid_argument&) {
      r.fail(msg("Invalid state for primitive ", name, "."));
    }
  };
  auto get_int = [&] { return param_text(static_cast<int64_t>(r.get<int32_t>())); };
  auto get_ints = [&] { return ints_text(r.get_vector<int32_t>()); };
  if (name.rfind("lumex.", 0) == 0) {
    auto n = r.get_count(16);
    PrimitiveParams params;
    for (uint64_t i = 0; i < n; ++i) {
      auto k = r.get_string();
      params.emplace_back(k, r.get_string());
    }
    auto bare = name.substr(6);
    try {
      out.prim = make_primitive(bare, s, params);
    } catch (const std::invalid_argument& e) {
      r.fail(msg("Unable to deserialize primitive ", name, ": ", e.what()));
    }
  } else if (stateless().count(name)) {
    make(name, {});
  } else if (name == "Reduce") {
    auto k = get_enum(r, kMlxReduce, name);
    make(kMlxReduce[k], {{"axes", get_ints()}});
  } else if (name == "ArgReduce") {
    auto k = get_enum(r, kMlxArgReduce, name);
    make(kMlxArgReduce[k], {{"axis", get_int()}});
  } else if (name == "Scan") {
    auto k = r.get<int32_t>();
    if (k == 4) r.fail("Unable to deserialize primitive Scan (logaddexp): lumex has no MLX encoding for it.");
    if (k < 0 || k > 3) r.fail("Invalid state for primitive Scan.");
    auto axis = get_int();
    auto reverse = param_text(r.get_bool());
    auto inclusive = param_text(r.get_bool());
    make(kMlxScan[k], {{"axis", axis}, {"reverse", reverse}, {"inclusive", inclusive}});
  } else if (name == "BitwiseBinary") {
    make(kMlxBitwise[get_enum(r, kMlxBitwise, name)], {});
  } else if (name == "Log") {
    make(kMlxLog[get_enum(r, kMlxLog, name)], {});
  } else if (name == "Sqrt") {
    make(r.get_bool() ? "Rsqrt" : "Sqrt", {});
  } else if (name == "Equal") {
    bool nan = r.get_bool();
    make(nan ? "NaNEqual" : "Equal", {{"equal_nan", param_text(nan)}});
  } else if (name == "Softmax") {
    make("Softmax", {{"precise", param_text(r.get_bool())}});
  } else if (name == "AddMM") {
    auto alpha = r.get<float>();
    auto beta = r.get<float>();
    make("AddMM", {{"alpha", param_text(alpha)}, {"beta", param_text(beta)}});
    out.input_order = {2, 0, 1};
  } else if (name == "Arange") {
    auto a = r.get<double>();
    auto b = r.get<double>();
    auto c = r.get<double>();
    make("Arange", {{"start", param_text(a)}, {"stop", param_text(b)}, {"step", param_text(c)}});
  } else if (name == "Partition" || name == "ArgPartition") {
    auto kth = get_int();
    make(name, {{"kth", kth}, {"axis", get_int()}});
  } else if (name == "Sort" || name == "ArgSort" || name == "Concatenate" || name == "GatherAxis") {
    make(name, {{"axis", get_int()}});
  } else if (name == "AsType" || name == "View") {
    make(name, {{"dtype", param_text(r.get_dtype())}});
  } else if (name == "Copy") {
    make("Contiguous", {{"allow_col_major", "False"}});
  } else if (name == "Broadcast" || name == "Reshape") {
    make(name, {{"shape", get_ints()}});
    // A shapeless MLX export broadcasts to the shape of a second input; lumex's
    // shapeless replay resizes a broadcast from its readers instead.
    if (name == "Broadcast" && input_shapes.size() == 2) out.input_order = {0};
  } else if (name == "Transpose") {
    make(name, {{"axes", get_ints()}});
  } else if (name == "Slice") {
    auto start = get_ints();
    auto stop = get_ints();
    make(name, {{"start", start}, {"stop", stop}, {"strides", get_ints()}});
  } else if (name == "SliceUpdate") {
    if (get_enum(r, kMlxScatter, name) != 4) {
      r.fail("Unable to deserialize primitive SliceUpdate with a reduction (lumex has no "
             "such primitive).");
    }
    auto start = get_ints();
    auto stop = get_ints();
    make(name, {{"start", start}, {"stop", stop}, {"strides", get_ints()}});
  } else if (name == "AsStrided") {
    auto shape = get_ints();
    auto strides = r.get_vector<int64_t>();
    auto offset = r.get<uint64_t>();
    make(name, {{"shape", shape},
                {"strides", param_text(strides)},
                {"offset", param_text(static_cast<int64_t>(offset))}});
  } else if (name == "Pad") {
    auto axes = r.get_vector<int32_t>();
    auto low = r.get_vector<int32_t>();
    auto high = r.get_vector<int32_t>();
    if (input_shapes.empty() || axes.size() != low.size() || axes.size() != high.size()) {
      r.fail("Invalid state for primitive Pad.");
    }
    auto nd = input_shapes[0].size();
    std::vector<int64_t> lo(nd, 0), hi(nd, 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      auto ax = axes[i] < 0 ? axes[i] + static_cast<int32_t>(nd) : axes[i];
      if (ax < 0 || ax >= static_cast<int32_t>(nd)) r.fail("Invalid state for primitive Pad.");
      lo[ax] = low[i];
      hi[ax] = high[i];
    }
    make(name, {{"low", param_text(lo)}, {"high", param_text(hi)}});
  } else if (name == "Gather") {
    auto axes = get_ints();
    make(name, {{"axes", axes}, {"slice_sizes", get_ints()}});
  } else if (name == "Scatter") {
    auto k = get_enum(r, kMlxScatter, name);
    make(name, {{"reduce", kMlxScatter[k]}, {"axes", get_ints()}});
  } else if (name == "ScatterAxis") {
    auto k = get_enum(r, kMlxScatterAxis, name);
    make(name, {{"reduce", kMlxScatterAxis[k]}, {"axis", get_int()}});
  } else if (name == "RandomBits") {
    auto shape = get_ints();
    make(name, {{"shape", shape}, {"width", get_int()}});
  } else if (name == "Hadamard") {
    make(name, {{"scale", param_text(r.get<float>())}, {"transpose", "False"}});
  } else if (name == "Convolution") {
    PrimitiveParams params;
    for (auto key : {"stride", "padding_lo", "padding_hi", "kernel_dilation", "input_dilation"}) {
      params.emplace_back(key, get_ints());
    }
    params.emplace_back("groups", get_int());
    params.emplace_back("flip", param_text(r.get_bool()));
    make(name, params);
  } else if (name == "Squeeze" || name == "ExpandDims") {
    r.get_vector<int32_t>();
    out.reshape = true;
  } else if (name == "Flatten") {
    r.get<int32_t>();
    r.get<int32_t>();
    out.reshape = true;
  } else if (name == "Unflatten") {
    r.get<int32_t>();
    r.get_vector<int32_t>();
    out.reshape = true;
  } else if (name == "Split") {
    auto idx = r.get_vector<int32_t>();
    out.split = true;
    out.split_axis = r.get<int32_t>();
    out.split_indices.assign(idx.begin(), idx.end());
  } else {
    r.fail("Unable to deserialize primitive " + name + " (lumex has no MLX encoding for it).");
  }
  return out;
}

}  // namespace lumex::core::detail
