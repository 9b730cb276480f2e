// Exported functions (MLX's export_function / import_function): a traced function
// written to a file as a tape of primitives, read back and replayed on new inputs.
//
// The file is MLX's `.mlxfn` layout (little-endian; see export_format.h), so a file
// MLX writes imports here and, for the primitives both sides encode alike, a file
// written here imports in MLX. A lumex primitive MLX has no encoding for is written
// under the name "lumex.<Name>" with its params() as text: lumex reads it back through
// make_primitive, MLX refuses it naming the primitive.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/autodiff.h"

namespace lumex::core {

class CompiledGraph;

/// Keyword inputs, in key order (how MLX flattens them).
using ExportKwargs = std::map<std::string, array>;

/// One traced signature of an exported function, as stored in the file.
struct ExportedTrace {
  std::vector<std::string> kwarg_keys;
  std::vector<uint64_t> input_ids;
  std::vector<Shape> input_shapes;
  std::vector<Dtype> input_dtypes;
  std::vector<uint64_t> output_ids;
  /// One tape entry: a function input, a constant, a primitive's outputs, or another
  /// name for its one input (MLX's shapeless broadcast to the shape it has).
  struct Entry {
    enum Kind { Input, Constant, Node, Alias } kind;
    uint64_t id;
    array constant;  // Constant only
    std::shared_ptr<Primitive> prim;  // Node only
    std::vector<uint64_t> in_ids, out_ids;
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
  };
  std::vector<Entry> tape;
  size_t num_args() const { return input_ids.size() - kwarg_keys.size(); }
};

/// Writes traces of one function to a file (MLX's FunctionExporter). The file is
/// rewritten whole, through a temporary and a rename, after each trace.
class FunctionExporter {
 public:
  FunctionExporter(std::string path, bool shapeless, std::string metadata);
  /// Traces `fun` (called with the positional inputs followed by the keyword
  /// inputs in key order) and adds the trace to the file.
  void add(const ArrayFun& fun, const std::vector<array>& args, const ExportKwargs& kwargs);
  void close() { closed_ = true; }
  bool closed() const { return closed_; }

 private:
  void write() const;
  std::string path_;
  bool shapeless_;
  std::string metadata_;
  bool closed_ = false;
  std::vector<std::string> traces_;  // each trace's encoded bytes
  std::vector<std::pair<std::vector<Shape>, std::vector<Dtype>>> signatures_;
  std::vector<std::vector<std::string>> keys_;
  std::unordered_map<uint64_t, array> constants_;  // written already, by id
};

/// A function read from an exported file.
class ImportedFunction {
 public:
  explicit ImportedFunction(const std::string& path);
  /// The outputs of the trace matching the inputs (count, keyword names, dtypes and
  /// shapes, or ranks only for a shapeless export).
  std::vector<array> operator()(const std::vector<array>& args, const ExportKwargs& kwargs) const;
  const std::string& metadata() const { return metadata_; }
  const std::string& version() const { return version_; }
  bool shapeless() const { return shapeless_; }
  size_t num_traces() const { return traces_.size(); }

 private:
  const ExportedTrace* find(const std::vector<array>& args, const ExportKwargs& kwargs) const;
  std::string version_;
  std::string metadata_;
  bool shapeless_ = false;
  std::vector<ExportedTrace> traces_;
  mutable std::mutex mutex_;
  mutable std::vector<std::shared_ptr<CompiledGraph>> compiled_;  // shapeless replays
};

/// The graph of one trace rebuilt on `inputs` (positional then keyword). With `check`,
/// every node is first checked to be one the kernels can run (a corrupt file raises).
std::vector<array> replay_trace(const ExportedTrace& trace, const std::vector<array>& inputs,
                                bool check = false);

}  // namespace lumex::core
