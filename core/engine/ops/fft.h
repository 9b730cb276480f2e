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

/// Short-time Fourier transform of the last axis: frames of n_fft samples every
/// hop_length (default n_fft / 4), each times the window (default rectangular of
/// win_length, default n_fft; centred and zero-padded to n_fft), transformed.
/// `center` pads n_fft / 2 on both ends with pad_mode. The result is complex64,
/// (..., n_freq, n_frames); onesided (default: for real input) keeps n_fft / 2 + 1
/// frequencies.
array stft(const array& x, int n_fft = 2048, std::optional<int> hop_length = std::nullopt,
           std::optional<int> win_length = std::nullopt,
           const std::optional<array>& window = std::nullopt, bool center = true,
           const std::string& pad_mode = "reflect", const std::string& norm = "backward",
           std::optional<bool> onesided = std::nullopt, StreamOrDevice s = {});
/// The inverse of stft: each frame's inverse transform times the window,
/// overlap-added and divided by the overlap-added squared window (where that is
/// not ~0). n_fft defaults from n_freq (2 * (n_freq - 1) when onesided); `length`
/// trims or zero-pads the float32 result.
array istft(const array& stft_matrix, std::optional<int> n_fft = std::nullopt,
            std::optional<int> hop_length = std::nullopt,
            std::optional<int> win_length = std::nullopt,
            const std::optional<array>& window = std::nullopt, bool center = true,
            const std::string& norm = "backward", std::optional<bool> onesided = std::nullopt,
            std::optional<int> length = std::nullopt, StreamOrDevice s = {});

}  // namespace lumex::core::fft
