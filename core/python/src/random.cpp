// lumex.core.random: keys, splitting and the distributions. Every function takes
// `key=`; without it a fresh key is split off the global state.
#include "common.h"
#include "engine/ops.h"
#include "engine/ops/random.h"

using namespace lx;
namespace rnd = lx::random;

namespace {

using KeyArg = std::optional<array>;

/// The global key, indexable like MLX's `random.state` (`state[0]` is the key).
struct RandomState {};

}  // namespace

void init_random(nb::module_& parent) {
  auto m = parent.def_submodule(
      "random", "Random number generation with splittable Threefry-2x32 keys.");

  nb::class_<RandomState>(m, "_RandomState")
      .def("__len__", [](const RandomState&) { return 1; })
      .def("__getitem__",
           [](const RandomState&, int i) {
             if (i != 0 && i != -1) throw nb::index_error("list index out of range");
             return rnd::global_key();
           })
      .def("__setitem__", [](RandomState&, int i, const array& k) {
        if (i != 0 && i != -1) throw nb::index_error("list index out of range");
        rnd::global_key() = k;
      });
  m.attr("state") = RandomState{};

  m.def("seed", [](uint64_t s) { rnd::seed(s); }, "seed"_a,
        nb::sig("def seed(seed: int) -> None"),
        R"(Seed the global PRNG.

Args:
    seed (int): Seed for the global PRNG.)");

  m.def("key",
        [](uint64_t s) {
          lx::sites::PublicOp tag("random.key");
          return rnd::key(s);
        },
        "seed"_a,
        nb::sig("def key(seed: int) -> array"),
        R"(Get a PRNG key from a seed.

Args:
    seed (int): Seed for the PRNG.

Returns:
    array: The PRNG key array (``uint32``, shape ``(2,)``).)");

  m.def("split",
        [](const array& key, int num, StreamArg s) {
          lx::sites::PublicOp tag("random.split");
          return rnd::split(key, num, to_sod(s));
        },
        "key"_a, "num"_a = 2, "stream"_a = nb::none(),
        nb::sig("def split(key: array, num: int = 2, stream: Stream | Device | None = None) -> array"),
        R"(Split a PRNG key into sub keys.

Args:
    key (array): Input key to split.
    num (int, optional): Number of sub keys. Default: ``2``.

Returns:
    array: The array of sub keys with ``num`` as its first dimension.)");

  m.def("uniform",
        [](nb::handle low, nb::handle high, const Shape& shape,
           std::optional<Dtype> dtype, KeyArg key, StreamArg s) {
          lx::sites::PublicOp tag("random.uniform");
          return rnd::uniform(to_array(low), to_array(high), shape,
                              dtype.value_or(float32), key, to_sod(s));
        },
        "low"_a = 0, "high"_a = 1, "shape"_a = Shape{}, "dtype"_a = float32,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def uniform(low: scalar | array = 0, high: scalar | array = 1, shape: Sequence[int] = [], dtype: Dtype | None = float32, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate uniformly distributed random numbers.

The values are sampled uniformly in the half-open interval ``[low, high)``.
The bounds can be scalars or arrays and must broadcast to ``shape``.

Args:
    low (scalar or array, optional): Lower bound. Default: ``0``.
    high (scalar or array, optional): Upper bound. Default: ``1``.
    shape (list(int), optional): Shape of the output. Default: ``()``.
    dtype (Dtype, optional): Type of the output. Default: ``float32``.
    key (array, optional): A PRNG key. Default: ``None``.

Returns:
    array: The output array of random values.)");

  m.def("normal",
        [](const Shape& shape, std::optional<Dtype> dtype, nb::handle loc,
           nb::handle scale, KeyArg key, StreamArg s) {
          lx::sites::PublicOp tag("random.normal");
          Dtype d = dtype.value_or(float32);
          std::optional<array> l, sc;
          if (!loc.is_none()) l = to_array(loc, d);
          if (!scale.is_none()) sc = to_array(scale, d);
          return rnd::normal(shape, d, l, sc, key, to_sod(s));
        },
        "shape"_a = Shape{}, "dtype"_a = float32, "loc"_a = nb::none(),
        "scale"_a = nb::none(), "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def normal(shape: Sequence[int] = [], dtype: Dtype | None = float32, loc: scalar | array | None = None, scale: scalar | array | None = None, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate normally distributed random numbers.

Without ``loc`` and ``scale`` the standard normal distribution is used; for
complex dtypes the real and imaginary parts each have variance ``1/2``.

Args:
    shape (list(int), optional): Shape of the output. Default: ``()``.
    dtype (Dtype, optional): Type of the output. Default: ``float32``.
    loc (scalar or array, optional): Mean of the distribution. Default: ``None``.
    scale (scalar or array, optional): Standard deviation. Default: ``None``.
    key (array, optional): A PRNG key. Default: ``None``.

Returns:
    array: The output array of random values.)");

  m.def("randint",
        [](nb::handle low, nb::handle high, const Shape& shape,
           std::optional<Dtype> dtype, KeyArg key, StreamArg s) {
          lx::sites::PublicOp tag("random.randint");
          return rnd::randint(to_array(low), to_array(high), shape,
                              dtype.value_or(int32), key, to_sod(s));
        },
        "low"_a, "high"_a, "shape"_a = Shape{}, "dtype"_a = int32,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def randint(low: scalar | array, high: scalar | array, shape: Sequence[int] = [], dtype: Dtype | None = int32, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate random integers from the half-open interval ``[low, high)``.

The samples come from a ``float32`` uniform that is floored and clamped to
``[low, high - 1]``, so beyond ``2**24`` not every integer is reachable.

Args:
    low (scalar or array): Lower bound of the interval.
    high (scalar or array): Upper bound of the interval.
    shape (list(int), optional): Shape of the output. Default: ``()``.
    dtype (Dtype, optional): Type of the output. Default: ``int32``.
    key (array, optional): A PRNG key. Default: ``None``.

Returns:
    array: The array of random integers.)");

  m.def("bernoulli",
        [](nb::handle p, std::optional<Shape> shape, KeyArg key, StreamArg s) {
          lx::sites::PublicOp tag("random.bernoulli");
          return rnd::bernoulli(to_array(p), shape, key, to_sod(s));
        },
        "p"_a = 0.5, "shape"_a = nb::none(), "key"_a = nb::none(),
        "stream"_a = nb::none(),
        nb::sig("def bernoulli(p: scalar | array = 0.5, shape: Sequence[int] | None = None, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate Bernoulli random values.

Args:
    p (float or array, optional): Probability of ``True``; must broadcast to
      ``shape``. Default: ``0.5``.
    shape (list(int), optional): Shape of the output. Default: ``p.shape``.
    key (array, optional): A PRNG key. Default: ``None``.

Returns:
    array: The boolean array of samples.)");

  m.def("truncated_normal",
        [](nb::handle lower, nb::handle upper, std::optional<Shape> shape,
           std::optional<Dtype> dtype, KeyArg key, StreamArg s) {
          lx::sites::PublicOp tag("random.truncated_normal");
          return rnd::truncated_normal(to_array(lower), to_array(upper),
                                       shape, dtype.value_or(float32), key, to_sod(s));
        },
        "lower"_a, "upper"_a, "shape"_a = nb::none(), "dtype"_a = float32,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def truncated_normal(lower: scalar | array, upper: scalar | array, shape: Sequence[int] | None = None, dtype: Dtype | None = float32, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate values from a normal distribution truncated to ``(lower, upper)``.

Args:
    lower (scalar or array): Lower bound of the domain.
    upper (scalar or array): Upper bound of the domain.
    shape (list(int), optional): Shape of the output. Default: the broadcast
      shape of the bounds.
    dtype (Dtype, optional): Type of the output. Default: ``float32``.
    key (array, optional): A PRNG key. Default: ``None``.

Returns:
    array: The output array of random values.)");

  m.def("gumbel",
        [](const Shape& shape, std::optional<Dtype> dtype, KeyArg key, StreamArg s) {
          lx::sites::PublicOp tag("random.gumbel");
          return rnd::gumbel(shape, dtype.value_or(float32), key, to_sod(s));
        },
        "shape"_a = Shape{}, "dtype"_a = float32, "key"_a = nb::none(),
        "stream"_a = nb::none(),
        nb::sig("def gumbel(shape: Sequence[int] = [], dtype: Dtype | None = float32, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Sample from the standard Gumbel distribution (CDF ``exp(-exp(-x))``).

Args:
    shape (list(int)): The shape of the output.
    dtype (Dtype, optional): Type of the output. Default: ``float32``.
    key (array, optional): A PRNG key. Default: ``None``.

Returns:
    array: The samples.)");

  m.def("laplace",
        [](const Shape& shape, std::optional<Dtype> dtype, float loc, float scale,
           KeyArg key, StreamArg s) {
          lx::sites::PublicOp tag("random.laplace");
          return rnd::laplace(shape, dtype.value_or(float32), loc, scale, key,
                              to_sod(s));
        },
        "shape"_a = Shape{}, "dtype"_a = float32, "loc"_a = 0.0f, "scale"_a = 1.0f,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def laplace(shape: Sequence[int] = [], dtype: Dtype | None = float32, loc: float = 0.0, scale: float = 1.0, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Sample numbers from a Laplace distribution.

Args:
    shape (list(int), optional): Shape of the output. Default: ``()``.
    dtype (Dtype, optional): Type of the output. Default: ``float32``.
    loc (float, optional): Mean of the distribution. Default: ``0.0``.
    scale (float, optional): The scale ``b``. Default: ``1.0``.
    key (array, optional): A PRNG key. Default: ``None``.

Returns:
    array: The output array of random values.)");

  m.def("permutation",
        [](nb::handle x, int axis, KeyArg key, StreamArg s) {
          lx::sites::PublicOp tag("random.permutation");
          auto sod = to_sod(s);
          if (nb::isinstance<nb::int_>(x)) {
            auto n = nb::cast<int64_t>(x);
            if (n < 0) throw std::invalid_argument("[permutation] Negative size.");
            // As MLX: the permutation of arange(n) is the sorting order itself.
            return lx::argsort(rnd::bits({n}, 4, key, sod), 0, sod);
          }
          array a = to_array(x);
          if (a.ndim() == 0) {
            throw std::invalid_argument("[permutation] Cannot permute a scalar array.");
          }
          int ax = axis < 0 ? axis + a.ndim() : axis;
          if (ax < 0 || ax >= a.ndim()) {
            throw std::out_of_range("[permutation] Invalid axis for the array.");
          }
          // Sorting fresh random bits gives a uniformly random order.
          auto order = lx::argsort(rnd::bits({a.shape(ax)}, 4, key, sod), 0, sod);
          return lx::take(a, order, ax, sod);
        },
        "x"_a, "axis"_a = 0, "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def permutation(x: int | array, axis: int = 0, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate a random permutation, or permute the entries of an array.

Args:
    x (int or array): If an integer, permute ``arange(x)``; if an array,
      permute its entries along ``axis``.
    axis (int, optional): The axis to permute along. Default: ``0``.
    key (array, optional): A PRNG key.

Returns:
    array: The permutation or the permuted array.)");

  m.def("categorical",
        [](const array& logits, int axis, std::optional<Shape> shape,
           std::optional<int> num_samples, KeyArg key, StreamArg s) {
          lx::sites::PublicOp tag("random.categorical");
          return rnd::categorical(logits, axis, shape, num_samples, key, to_sod(s));
        },
        "logits"_a, "axis"_a = -1, "shape"_a = nb::none(), "num_samples"_a = nb::none(),
        "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def categorical(logits: array, axis: int = -1, shape: Sequence[int] | None = None, num_samples: int | None = None, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Sample from a categorical distribution given unnormalized log-probabilities.

At most one of ``shape`` and ``num_samples`` may be given. With neither, the
output has the shape of ``logits`` without ``axis``.

Args:
    logits (array): The *unnormalized* categorical distribution(s).
    axis (int, optional): The axis holding the distribution. Default: ``-1``.
    shape (list(int), optional): Output shape, broadcast compatible with
      ``logits.shape`` without ``axis``. Default: ``None``.
    num_samples (int, optional): Samples per distribution, as a new last
      dimension. Default: ``None``.
    key (array, optional): A PRNG key. Default: ``None``.

Returns:
    array: The ``uint32`` indices.)");

  m.def("multivariate_normal",
        [](const array& mean, const array& cov, const Shape& shape,
           std::optional<Dtype> dtype, KeyArg key, StreamArg s) {
          lx::sites::PublicOp tag("random.multivariate_normal");
          return rnd::multivariate_normal(mean, cov, shape, dtype.value_or(float32),
                                          key, to_sod(s));
        },
        "mean"_a, "cov"_a, "shape"_a = Shape{}, "dtype"_a = float32,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        nb::sig("def multivariate_normal(mean: array, cov: array, shape: Sequence[int] = [], dtype: Dtype | None = float32, key: array | None = None, stream: Stream | Device | None = None) -> array"),
        R"(Generate jointly normal samples with the given mean and covariance.

``cov`` must be positive semi-definite; only ``float32`` is supported.

Args:
    mean (array): Mean, shape ``(..., n)``.
    cov (array): Covariance, shape ``(..., n, n)``; batch shapes broadcast with
      ``mean``'s.
    shape (list(int), optional): Batch shape of the output, broadcast compatible
      with those of ``mean`` and ``cov``. Default: ``[]``.
    dtype (Dtype, optional): The output type. Default: ``float32``.
    key (array, optional): A PRNG key. Default: ``None``.

Returns:
    array: The samples.)");
}
