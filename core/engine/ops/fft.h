// mlx.core.fft: discrete Fourier transforms of any length (mixed radix 2/3/4/5
// plus generic odd factors, Bluestein for large primes), their inverses and real
// variants, and the frequency helpers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/array.h"
#include "engine/device.h"

namespace lumex::core::fft {

/// N-d transforms. `n` gives each transformed axis' length (crop or zero-pad);
/// for irfftn the last entry is the real output length. `norm` is "backward",
/// "ortho" or "forward".
array fftn(const array& a, const std::optional<Shape>& n,
           const std::optional<std::vector<int>>& axes,
           const std::string& norm = "backward", StreamOrDevice s = {});
array ifftn(const array& a, const std::optional<Shape>& n,
            const std::optional<std::vector<int>>& axes,
            const std::string& norm = "backward", StreamOrDevice s = {});
array rfftn(const array& a, const std::optional<Shape>& n,
            const std::optional<std::vector<int>>& axes,
            const std::string& norm = "backward", StreamOrDevice s = {});
array irfftn(const array& a, const std::optional<Shape>& n,
             const std::optional<std::vector<int>>& axes,
             const std::string& norm = "backward", StreamOrDevice s = {});

array fft(const array& a, std::optional<int> n = std::nullopt, int axis = -1,
          const std::string& norm = "backward", StreamOrDevice s = {});
array ifft(const array& a, std::optional<int> n = std::nullopt, int axis = -1,
           const std::string& norm = "backward", StreamOrDevice s = {});
array rfft(const array& a, std::optional<int> n = std::nullopt, int axis = -1,
           const std::string& norm = "backward", StreamOrDevice s = {});
array irfft(const array& a, std::optional<int> n = std::nullopt, int axis = -1,
            const std::string& norm = "backward", StreamOrDevice s = {});

/// Sample frequencies of an n-point FFT with spacing d (float32).
array fftfreq(int n, double d = 1.0, StreamOrDevice s = {});
array rfftfreq(int n, double d = 1.0, StreamOrDevice s = {});
/// Roll the zero frequency to the center (all axes if none given).
array fftshift(const array& a, const std::optional<std::vector<int>>& axes = std::nullopt,
               StreamOrDevice s = {});
array ifftshift(const array& a, const std::optional<std::vector<int>>& axes = std::nullopt,
                StreamOrDevice s = {});

}  // namespace lumex::core::fft
