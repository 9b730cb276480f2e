// Array creation ops.
#pragma once

#include <string>
#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core {

array full(Shape shape, const array& vals, Dtype dtype, StreamOrDevice s = {});
array full(Shape shape, const array& vals, StreamOrDevice s = {});
array zeros(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
array ones(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
array zeros_like(const array& a, StreamOrDevice s = {});
array ones_like(const array& a, StreamOrDevice s = {});
array arange(double start, double stop, double step, Dtype dtype,
             StreamOrDevice s = {});
array zeros_like(const array& a, Dtype dtype, StreamOrDevice s = {});
array ones_like(const array& a, Dtype dtype, StreamOrDevice s = {});
/// `vals` (converted to dtype) broadcast to a's shape.
array full_like(const array& a, const array& vals, Dtype dtype, StreamOrDevice s = {});
array full_like(const array& a, const array& vals, StreamOrDevice s = {});
array arange(double stop, Dtype dtype, StreamOrDevice s = {});
/// `num` evenly spaced values from start to stop (inclusive).
array linspace(double start, double stop, int num = 50, Dtype dtype = float32,
               StreamOrDevice s = {});
/// Without the endpoint, the samples are the first num of num + 1.
array linspace(double start, double stop, int num, bool endpoint, Dtype dtype,
               StreamOrDevice s = {});
/// Ones on the k-th diagonal of an n x m matrix.
array eye(int n, int m, int k = 0, Dtype dtype = float32, StreamOrDevice s = {});
array eye(int n, Dtype dtype = float32, StreamOrDevice s = {});
array identity(int n, Dtype dtype = float32, StreamOrDevice s = {});
/// Ones at and below the k-th diagonal of an n x m matrix.
array tri(int n, int m, int k = 0, Dtype dtype = float32, StreamOrDevice s = {});
array tril(const array& x, int k = 0, StreamOrDevice s = {});
array triu(const array& x, int k = 0, StreamOrDevice s = {});
/// indexing: "xy" (Cartesian) or "ij" (matrix).
std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse = false,
                            const std::string& indexing = "xy",
                            StreamOrDevice s = {});
/// Window functions of length M (float32).
array bartlett(int M, StreamOrDevice s = {});
array hanning(int M, StreamOrDevice s = {});
array hamming(int M, StreamOrDevice s = {});
array blackman(int M, StreamOrDevice s = {});
/// A lazy copy (a node whose value equals `a`).
array copy(const array& a, StreamOrDevice s = {});

}  // namespace lumex::core
