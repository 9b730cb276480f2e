#include "engine/print.h"

#include <complex>
#include <sstream>

#include "engine/ops.h"

namespace lumex::core {

namespace {

PrintOptions& options() {
  static PrintOptions o;
  return o;
}

void print_float(std::ostream& os, double v) {
  std::ostringstream s;
  if (options().precision >= 0) {
    s << std::fixed;
    s.precision(options().precision);
  }
  s << v;
  os << s.str();
}

void print_element(std::ostream& os, const char* p, Dtype d) {
  switch (d.val) {
    case Dtype::Val::bool_:
      os << (*reinterpret_cast<const bool*>(p) ? "True" : "False");
      return;
    case Dtype::Val::complex64: {
      auto c = *reinterpret_cast<const complex64_t*>(p);
      print_float(os, c.real());
      if (c.imag() >= 0 || std::isnan(c.imag())) os << "+";
      print_float(os, c.imag());
      os << "j";
      return;
    }
    default:
      break;
  }
  if (is_integral(d)) {
    if (is_unsigned(d)) {
      uint64_t v;
      convert_elements(p, d, &v, uint64, 1);
      os << v;
    } else {
      int64_t v;
      convert_elements(p, d, &v, int64, 1);
      os << v;
    }
    return;
  }
  if (d == float64) {
    print_float(os, *reinterpret_cast<const double*>(p));
    return;
  }
  float v;
  convert_elements(p, d, &v, float32, 1);
  print_float(os, v);
}

// Iterative over (dim, index) frames so deep arrays cannot overflow the stack.
void print_data(std::ostream& os, const array& a) {
  const char* base = static_cast<const char*>(a.raw_data());
  auto isz = static_cast<int64_t>(a.itemsize());
  int nd = a.ndim();
  if (nd == 0) {
    print_element(os, base, a.dtype());
    return;
  }
  struct Frame {
    int dim;
    int64_t offset;
    int64_t i;
  };
  auto count = [&](int d) { return a.shape(d); };
  // Index sequence for a dim: all, or the first 3 and last 3 around "...".
  auto next_index = [&](int d, int64_t i) -> int64_t {
    int64_t n = count(d);
    if (n > 6 && i == 2) return n - 3;
    return i + 1;
  };
  std::vector<Frame> stack{{0, 0, 0}};
  os << "[";
  while (!stack.empty()) {
    auto& f = stack.back();
    int64_t n = count(f.dim);
    if (f.i >= n) {
      os << "]";
      stack.pop_back();
      continue;
    }
    if (f.i > 0) {
      bool skipped = n > 6 && f.i == n - 3;
      if (f.dim == nd - 1) {
        os << ", ";
        if (skipped) os << "..., ";
      } else {
        os << ",\n";
        if (skipped) os << std::string(7 + f.dim, ' ') << "...,\n";
        os << std::string(7 + f.dim, ' ');
      }
    }
    int64_t idx = f.i;
    f.i = next_index(f.dim, f.i);
    int64_t off = f.offset + idx * a.strides(f.dim);
    if (f.dim == nd - 1) {
      print_element(os, base + off * isz, a.dtype());
    } else {
      int child = f.dim + 1;
      os << "[";
      stack.push_back({child, off, 0});
    }
  }
}

}  // namespace

PrintOptions get_printoptions() { return options(); }
void set_printoptions(PrintOptions o) { options() = o; }

void print_array(std::ostream& os, array a) {
  a.eval();
  os << "array(";
  print_data(os, a);
  os << ", dtype=" << dtype_name(a.dtype()) << ")";
}

}  // namespace lumex::core
