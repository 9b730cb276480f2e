// The public op API, mirroring mlx.core. Every op ends with a StreamOrDevice.
#pragma once

#include <optional>

#include "engine/ops/conv.h"
#include "engine/ops/creation.h"
#include "engine/ops/decompositions.h"
#include "engine/ops/depends.h"
#include "engine/ops/einsum.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/fast.h"
#include "engine/ops/fft.h"
#include "engine/ops/gather_matmul.h"
#include "engine/ops/linalg.h"
#include "engine/ops/masked_matmul.h"
#include "engine/ops/quantized.h"
#include "engine/ops/random.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape.h"
#include "engine/ops/indexing.h"
#include "engine/ops/sort.h"
