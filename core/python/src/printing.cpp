// Print options: PrintOptions, get_printoptions, set_printoptions and the
// printoptions context manager, as in mlx.core.
#include "common.h"
#include "engine/print.h"

using namespace lx;

namespace {

// Returned by printoptions(): applies its options on __enter__, restores on __exit__.
struct PrintOptionsContext {
  PrintOptions options;
  std::vector<PrintOptions> saved;  // a stack, so one context can be re-entered
};

}  // namespace

void init_printing(nb::module_& m) {
  nb::class_<PrintOptions>(m, "PrintOptions",
                            "How arrays print: ``precision`` is the number of digits after "
                            "the decimal point (-1: as many as needed).")
      .def("__init__",
           [](PrintOptions* self, int precision) {
             new (self) PrintOptions();
             self->precision = precision;
           },
           "precision"_a = -1)
      .def_rw("precision", &PrintOptions::precision);

  nb::class_<PrintOptionsContext>(m, "_PrintOptionsContext")
      .def("__enter__",
           [](nb::handle self) {
             auto& c = nb::cast<PrintOptionsContext&>(self);
             c.saved.push_back(get_printoptions());
             set_printoptions(c.options);
             return nb::borrow(self);
           })
      .def("__exit__", [](PrintOptionsContext& c, nb::args) {
        if (!c.saved.empty()) {
          set_printoptions(c.saved.back());
          c.saved.pop_back();
        }
      });

  m.def("set_printoptions",
        [](int precision) {
          PrintOptions o = get_printoptions();
          o.precision = precision;
          set_printoptions(o);
        },
        "precision"_a = -1,
        R"(Set global printing precision for array formatting.

Example:
    >>> print(x)  # Uses default precision
    >>> mx.set_printoptions(precision=3)
    >>> print(x)  # Uses precision of 3
    >>> print(x)  # Uses precision of 3 (again)

Args:
    precision (int): Number of decimal places.)");

  m.def("printoptions",
        [](int precision) {
          PrintOptionsContext c;
          c.options = get_printoptions();
          c.options.precision = precision;
          return c;
        },
        "precision"_a = -1,
        R"(Context manager for setting print options temporarily.

Example:
    >>> print(x)  # Uses default precision
    >>> with mx.printoptions(precision=3):
    >>>     print(x)  # Uses precision of 3
    >>> print(x)  # Back to default precision

Args:
    precision (int): Number of decimal places. Use -1 for default)");

  m.def("get_printoptions", &get_printoptions,
        R"(Get global printing precision for array formatting.

Returns:
    PrintOptions: The format options used for printing arrays.)");
}
